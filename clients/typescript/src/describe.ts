/**
 * One run, from inputs to one `FrameResult` per input: what `generateDescriptions` and the
 * `describe-frames` command share (the Python client's `describe_frames`).
 *
 * Resolve the endpoint, load and deduplicate the frames, take those the resume file already
 * settles, split the others into jobs, run them in the rolling pool, and fan each result out
 * to every input position that holds the same frame (and to the resume file). Results come back
 * in input order, one per input, also when the run is cut short.
 */


import { ClientCode } from "./codes.js";
import { Endpoint } from "./endpoint.js";
import { VisionConfigError, VisionEndpointError } from "./errors.js";
import { type Frame, isFrame, type LocalFile, loadFrames } from "./frames.js";
import { planJobs } from "./jobs.js";
import { type GenerateDescriptionsOptions, resolveEndpoint, resolveSettings } from "./options.js";
import { runPool } from "./pool.js";
import type { FrameResult } from "./results.js";
import { ResumeFile } from "./resume.js";
import { JobRunner } from "./runner.js";
import { log } from "./log.js";


export const INTERRUPTED = "the run was interrupted";

/** The run was interrupted (`signal` aborted): `results` holds every frame settled before that. */
export class RunInterrupted extends Error {
  override name = "RunInterrupted";
  constructor(readonly results: FrameResult[]) {
    super(INTERRUPTED);
  }
}

export interface RunControl {
  /** Called as each `count` more input frames get their final result. */
  onSettled?: (count: number) => void;
  /** Aborting it stops the run at once: `RunInterrupted`. */
  signal?: AbortSignal;
}

/**
 * Describe `inputs` (URLs, bytes, local files); one `FrameResult` per input, in order.
 *
 * A frame's failure never rejects. Rejects only with `VisionConfigError` before any request,
 * `VisionEndpointError` when the endpoint refuses the run, and `RunInterrupted`; the last two
 * carry `results`: every frame settled so far, the others failed with `run_aborted`. An
 * unexpected error in the client stops the run the same way but resolves to those results.
 */
export async function describeFrames(
  inputs: readonly (string | Uint8Array | LocalFile)[],
  options: GenerateDescriptionsOptions,
  control: RunControl = {},
): Promise<FrameResult[]> {
  if (!Array.isArray(inputs)) throw new VisionConfigError("frameUrls must be an array of URLs or Buffers.");
  const settings = resolveSettings(options);
  const endpoint = new Endpoint(resolveEndpoint(options.endpointUrl, options.apiKey), settings);
  const journal = settings.resume === undefined ? undefined : new ResumeFile(settings.resume, settings);
  const ledger = new Ledger(inputs.length, journal, control.onSettled);
  const started = performance.now();
  let interrupted!: () => void;
  const interruption = new Promise<"interrupted">((resolve) => {
    interrupted = () => resolve("interrupted");
  });
  control.signal?.addEventListener("abort", interrupted, { once: true });
  const stop = (): void => {
    ledger.closed = true; // nothing settles after the run stopped: those frames are `run_aborted`
    endpoint.stop();
  };
  try {
    const unique = ledger.load(await loadFrames(inputs, settings));
    const toSend = ledger.takeSettled(unique);
    const plan = planJobs(toSend, settings.batchSize, settings.maxPayloadBytes, settings);
    for (const [frame, failure] of plan.tooLarge) ledger.settle(frame, failure);
    const runner = new JobRunner(endpoint, settings);
    const pool = runPool(plan.jobs, (job) => runner.run(job), settings.maxConcurrent, ledger.settle, settings.retryFramesAlone, stop);
    const stats = control.signal?.aborted ? "interrupted" : await Promise.race([pool, interruption]);
    if (stats === "interrupted") {
      stop();
      void pool.catch(() => undefined); // it ends on its own, its results no longer wanted
      log("interrupted: %d of %d frames have their result", ledger.settled, inputs.length);
      throw new RunInterrupted(ledger.aborted(INTERRUPTED));
    }
    log(
      "%d frames (%d unique, %d settled by the resume file) in %d jobs (%d attempts, %d frames retried alone), %d ms",
      inputs.length,
      unique.length,
      unique.length - toSend.length,
      stats.jobs,
      stats.jobAttempts,
      stats.soloRetries,
      Math.round(performance.now() - started),
    );
    return ledger.results.map((result) => result as FrameResult);
  } catch (err) {
    if (err instanceof RunInterrupted) throw err;
    if (err instanceof VisionEndpointError) {
      err.results = ledger.aborted(err.message);
      throw err;
    }
    // A bug in the client or in a callback: keep what is settled.
    const name = err instanceof Error ? err.name : typeof err;
    const message = err instanceof Error ? err.message : String(err);
    log("the run stopped on an unexpected error: %s: %s", name, message);
    stop();
    return ledger.aborted(`the run stopped on a client error: ${name}: ${message}`);
  } finally {
    control.signal?.removeEventListener("abort", interrupted);
    endpoint.stop();
    journal?.close();
  }
}

/** Each input position's result as it settles, fanned out over identical frames and journaled. */
class Ledger {
  readonly results: (FrameResult | undefined)[];
  private readonly positions = new Map<string, number[]>();
  closed = false;

  constructor(
    count: number,
    private readonly journal: ResumeFile | undefined,
    private readonly onSettled: ((count: number) => void) | undefined,
  ) {
    this.results = new Array<FrameResult | undefined>(count).fill(undefined);
  }

  /** The unique frames in input order; a frame that cannot be read settles failed at once. */
  load(items: (Frame | { error: string; code: string })[]): Frame[] {
    const unique: Frame[] = [];
    items.forEach((item, index) => {
      if (!isFrame(item)) {
        this.results[index] = { error: item.error, code: item.code };
        this.progress(1);
        return;
      }
      const indices = this.positions.get(item.key);
      if (indices === undefined) {
        this.positions.set(item.key, [index]);
        unique.push(item);
      } else {
        indices.push(index);
      }
    });
    return unique;
  }

  /** Settle the frames the resume file already settles; return the others, to send. */
  takeSettled(unique: Frame[]): Frame[] {
    const done = this.journal?.done;
    if (done === undefined) return unique;
    return unique.filter((frame) => {
      const result = done.get(frame.key);
      if (result !== undefined) this.settle(frame, result, false);
      return result === undefined;
    });
  }

  readonly settle = (frame: Frame, result: FrameResult, record = true): void => {
    if (this.closed) return;
    if (record) this.journal?.record(frame.key, result);
    const indices = this.positions.get(frame.key) ?? [];
    for (const index of indices) this.results[index] = result;
    this.progress(indices.length);
  };

  get settled(): number {
    return this.results.filter((result) => result !== undefined).length;
  }

  /** The results with every frame not yet settled failed with `reason` and `run_aborted`. */
  aborted(reason: string): FrameResult[] {
    return this.results.map((result) => result ?? { error: reason, code: ClientCode.runAborted });
  }

  private progress(count: number): void {
    if (this.onSettled !== undefined) this.onSettled(count);
  }
}
