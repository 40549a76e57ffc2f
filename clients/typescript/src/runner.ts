/**
 * Run one job to its end: submit, poll until a final status, read the output, run it again if
 * it failed.
 *
 * The outcome always holds one `FrameResult` per frame of the job, with a flag per frame that
 * says whether sending that frame again alone may help (see `codes.ts`). A job that fails on
 * every attempt marks only its own frames failed. Only `VisionEndpointError` escapes: the
 * endpoint refuses everything and the run must stop.
 */

import { debuglog } from "node:util";

import { ClientCode, isRetryableFrameCode, isTransientJobError } from "./codes.js";
import { Endpoint, RequestFailed } from "./endpoint.js";
import { type Job, type JobShape, jobBody } from "./jobs.js";
import type { Settings } from "./options.js";
import type { FrameResult } from "./results.js";

const log = debuglog("llava-frame-client");

export interface JobOutcome {
  results: FrameResult[];
  /** Per frame: a failure that may not happen again if the frame is sent alone. */
  retryAlone: boolean[];
  attempts: number;
}

/** Why one attempt of a job ended without output. */
interface Failure {
  reason: string;
  code: string;
  /** Another attempt of the same job may succeed. */
  runAgain: boolean;
  /** The worker failed on these frames: try each alone. */
  framesMayRecover: boolean;
}

export class JobRunner {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly settings: Settings & JobShape,
  ) {}

  /** Run `job`, again after a failure up to `jobRetries` times; never rejects for a frame's sake. */
  async run(job: Job): Promise<JobOutcome> {
    const count = job.frames.length;
    const body = jobBody(job, this.settings);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body, count);
      if (!("reason" in outcome)) return { ...outcome, attempts: attempt };
      if (!outcome.runAgain || attempt > this.settings.jobRetries || this.endpoint.stopped) {
        log("job of %d frames failed after %d attempt(s): %s", count, attempt, outcome.reason);
        return failed(count, outcome, attempt);
      }
      log("job of %d frames failed (%s); running it again", count, outcome.reason);
      if (!(await this.endpoint.wait(this.settings.jobRetryDelayMs))) return failed(count, outcome, attempt);
    }
  }

  private async attempt(body: string, count: number): Promise<Omit<JobOutcome, "attempts"> | Failure> {
    let jobId: string;
    try {
      jobId = await this.endpoint.submit(body);
    } catch (err) {
      return requestFailure(err);
    }
    const { maxWaitMs, pollIntervalMs } = this.settings;
    const deadline = performance.now() + maxWaitMs;
    for (;;) {
      let status: Record<string, unknown>;
      try {
        status = await this.endpoint.status(jobId, Math.max(Math.ceil(deadline - performance.now()), 1000));
      } catch (err) {
        return requestFailure(err);
      }
      const state = status.status;
      if (state === "COMPLETED") return readOutput(status.output, count);
      if (state === "FAILED") return jobFailure(jobError(status.error));
      if (state === "TIMED_OUT") {
        return {
          reason: "job timed out on the endpoint",
          code: ClientCode.jobTimedOut,
          runAgain: true,
          framesMayRecover: true,
        };
      }
      if (state === "CANCELLED") {
        return {
          reason: "job was cancelled on the endpoint",
          code: ClientCode.jobFailed,
          runAgain: false,
          framesMayRecover: false,
        };
      }
      if (performance.now() + pollIntervalMs > deadline) {
        await this.endpoint.cancel(jobId);
        const seconds = Math.round(maxWaitMs / 1000);
        // Never started: no worker was free, which is not the frames' fault.
        const queued = state === "IN_QUEUE";
        return {
          reason: queued ? `job still queued after ${seconds} s` : `job did not finish within ${seconds} s`,
          code: ClientCode.jobTimedOut,
          runAgain: true,
          framesMayRecover: !queued,
        };
      }
      if (!(await this.endpoint.wait(pollIntervalMs))) {
        return { reason: "the run stopped", code: ClientCode.jobFailed, runAgain: false, framesMayRecover: false };
      }
    }
  }
}

function failed(count: number, failure: Failure, attempts: number): JobOutcome {
  return {
    results: Array.from({ length: count }, () => ({ error: failure.reason, code: failure.code })),
    retryAlone: Array.from({ length: count }, () => failure.framesMayRecover),
    attempts,
  };
}

function requestFailure(err: unknown): Failure {
  if (!(err instanceof RequestFailed)) throw err;
  return { reason: err.reason, code: err.code, runAgain: err.transient, framesMayRecover: false };
}

function jobFailure(error: string): Failure {
  const transient = isTransientJobError(error);
  return {
    reason: `job failed: ${error}`,
    code: ClientCode.jobFailed,
    runAgain: transient,
    framesMayRecover: transient,
  };
}

/** Check a COMPLETED job's output against the worker's contract and read it per frame. */
export function readOutput(output: unknown, count: number): Omit<JobOutcome, "attempts"> | Failure {
  if (isObject(output) && output.error) return jobFailure(jobError(output.error));
  const problem = contractProblem(output, count);
  if (problem !== undefined || !isObject(output)) {
    return {
      reason: `malformed output from the endpoint: ${problem}`,
      code: ClientCode.jobFailed,
      runAgain: false,
      framesMayRecover: false,
    };
  }
  const failedIndices = (output.failed_indices ?? []) as number[];
  const errors = (output.errors ?? []) as unknown[];
  const codes = errorCodes(output.error_codes, failedIndices.length);
  const failures = new Map(failedIndices.map((index, k) => [index, k]));
  const results: FrameResult[] = [];
  const retryAlone: boolean[] = [];
  (output.descriptions as unknown[]).forEach((description, index) => {
    const k = failures.get(index);
    if (k !== undefined) {
      const code = codes?.[k] ?? null;
      results.push({ error: String(errors[k] ?? "") || "failed without a reason", code });
      retryAlone.push(isRetryableFrameCode(code));
    } else if (typeof description === "string" && description.trim()) {
      results.push({ description });
      retryAlone.push(false);
    } else {
      results.push({ error: "empty description", code: ClientCode.emptyDescription });
      retryAlone.push(false);
    }
  });
  return { results, retryAlone };
}

function contractProblem(output: unknown, count: number): string | undefined {
  if (!isObject(output)) return `expected an object, got ${Array.isArray(output) ? "an array" : typeof output}`;
  const { descriptions, failed_indices: failed = [], errors = [] } = output;
  if (!Array.isArray(descriptions) || descriptions.length !== count) return `expected ${count} descriptions`;
  if (!Array.isArray(failed) || !Array.isArray(errors) || failed.length !== errors.length) {
    return "failed_indices and errors do not match";
  }
  if (!failed.every((i) => Number.isInteger(i) && i >= 0 && i < count)) return "failed_indices out of range";
  return undefined;
}

/**
 * The worker's `error_codes`, or null when it sent none. Codes that do not match
 * `failed_indices` are ignored rather than failing the job: they only steer retries, and the
 * descriptions next to them are good.
 */
function errorCodes(codes: unknown, count: number): (string | null)[] | null {
  if (!Array.isArray(codes) || codes.length !== count) return null;
  return codes.map((code) => (typeof code === "string" && code ? code : null));
}

/** The readable part of a FAILED job's error (the SDK wraps exceptions in a JSON string). */
export function jobError(error: unknown): string {
  if (typeof error === "string") {
    try {
      const parsed: unknown = JSON.parse(error);
      if (isObject(parsed) && parsed.error_message) {
        return `${String(parsed.error_type ?? "error")}: ${String(parsed.error_message)}`;
      }
    } catch {
      // plain text
    }
    return error.trim() || "no reason given";
  }
  return error === undefined || error === null ? "no reason given" : JSON.stringify(error).slice(0, 300);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
