/**
 * A rolling pool of jobs: `concurrency` jobs in flight, the next one starts as soon as one ends.
 *
 * Not waves: a slow job holds only its own slot while the other slots keep taking jobs. When a
 * job ends, each of its frames that failed for a transient reason is queued again as a job of
 * its own (once); every other frame is final and handed to `onResult`.
 */


import type { Frame } from "./frames.js";
import type { Job } from "./jobs.js";
import type { FrameResult } from "./results.js";
import type { JobOutcome } from "./runner.js";
import { log } from "./log.js";


/** What the pool did, for the summary log line. */
export interface PoolStats {
  jobs: number;
  jobAttempts: number;
  soloRetries: number;
}

/**
 * Run every job with at most `concurrency` in flight; `onResult` gets each frame's final result.
 *
 * A rejection of `runJob` (only `VisionEndpointError` is expected) stops the pool: no new job
 * starts, `abort` cuts short the waits of the jobs in flight, and the rejection is rethrown
 * once they have ended.
 */
export async function runPool(
  jobs: readonly Job[],
  runJob: (job: Job) => Promise<JobOutcome>,
  concurrency: number,
  onResult: (frame: Frame, result: FrameResult) => void,
  retryAlone: boolean,
  abort: () => void,
): Promise<PoolStats> {
  const queue = [...jobs];
  const stats: PoolStats = { jobs: 0, jobAttempts: 0, soloRetries: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  while (queue.length > 0 || inFlight.size > 0) {
    while (queue.length > 0 && inFlight.size < concurrency && failure === undefined) {
      const job = queue.shift() as Job;
      const running: Promise<void> = runJob(job)
        .then((outcome) => {
          stats.jobs += 1;
          stats.jobAttempts += outcome.attempts;
          for (const retry of settle(job, outcome, onResult, retryAlone)) {
            stats.soloRetries += 1;
            queue.push(retry);
          }
        })
        .catch((error: unknown) => {
          failure ??= { error };
          queue.length = 0;
          abort();
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }
  if (failure !== undefined) throw failure.error;
  return stats;
}

/** Hand over each frame's final result; return the solo jobs for frames worth another try. */
function settle(
  job: Job,
  outcome: JobOutcome,
  onResult: (frame: Frame, result: FrameResult) => void,
  retryAlone: boolean,
): Job[] {
  const retries: Job[] = [];
  job.frames.forEach((frame, index) => {
    const result = outcome.results[index] as FrameResult;
    if (retryAlone && outcome.retryAlone[index] && !job.soloRetry) {
      log("frame %s failed (%s); sending it again alone", frame.key.slice(0, 20), result.error);
      retries.push({ kind: job.kind, frames: [frame], soloRetry: true });
    } else {
      onResult(frame, result);
    }
  });
  return retries;
}
