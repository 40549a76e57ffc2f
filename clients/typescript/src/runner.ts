/**
 * Run one job to its end: submit, poll until a final status, read the output, run it again if
 * it failed.
 *
 * The outcome always holds one `FrameResult` per frame of the job, with a flag per frame that
 * says whether sending that frame again alone may help (see `codes.ts`). A job that fails on
 * every attempt marks only its own frames failed. Only `VisionEndpointError` escapes: the
 * endpoint refuses everything and the run must stop.
 */


import { ClientCode, type EndingName, ending, isRetryableFrameCode, jobErrorEnding } from "./codes.js";
import { FINAL_STATES, WAITING_STATES } from "./contract.generated.js";
import { Endpoint, isObject, type Json, RequestFailed, UnusableAnswer } from "./endpoint.js";
import { VisionEndpointError } from "./errors.js";
import { FrameLoadError } from "./frames.js";
import { type Job, type JobAsk, jobBody } from "./jobs.js";
import type { Settings } from "./options.js";
import { type FrameResult, OutputError, readAnswers } from "./results.js";
import { log } from "./log.js";


export interface JobOutcome {
  results: FrameResult[];
  /** Per frame: a failure that may not happen again if the frame is sent alone. */
  retryAlone: boolean[];
  attempts: number;
}

/** Why one attempt of a job ended without output: the reason, and the contract's ending for it. */
interface Failure {
  reason: string;
  ending: EndingName;
  /** Instead of the ending's code. */
  code?: string;
}

export class JobRunner {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly settings: Settings & JobAsk,
  ) {}

  /** Run `job`, again after a failure up to `jobRetries` times; never rejects for a frame's sake. */
  async run(job: Job): Promise<JobOutcome> {
    const count = job.frames.length;
    let body: string;
    try {
      body = jobBody(job, this.settings);
    } catch (err) {
      // A local file that vanished since it was hashed.
      if (err instanceof FrameLoadError) return failed(count, failure(err.message, "request_refused", ClientCode.frameUnreadable), 0);
      throw err;
    }
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.guardedAttempt(body, count);
      if (!("reason" in outcome)) return { ...outcome, attempts: attempt };
      if (!ending(outcome.ending).runAgain || attempt > this.settings.jobRetries || this.endpoint.stopped) {
        log("job of %d frames failed after %d attempt(s): %s", count, attempt, outcome.reason);
        return failed(count, outcome, attempt);
      }
      log("job of %d frames failed (%s); running it again", count, outcome.reason);
      if (!(await this.endpoint.wait(this.settings.jobRetryDelayMs))) return failed(count, outcome, attempt);
    }
  }

  /** One attempt; anything unexpected costs this attempt, never the run. */
  private async guardedAttempt(body: string, count: number): Promise<Omit<JobOutcome, "attempts"> | Failure> {
    try {
      return await this.attempt(body, count);
    } catch (err) {
      if (err instanceof VisionEndpointError) throw err;
      const name = err instanceof Error ? err.name : typeof err;
      const message = err instanceof Error ? err.message : String(err);
      log("job attempt failed on an unexpected error: %s: %s", name, message);
      return failure(`client error: ${name}: ${message}`, "client_error");
    }
  }

  private async attempt(body: string, count: number): Promise<Omit<JobOutcome, "attempts"> | Failure> {
    let jobId: string;
    try {
      jobId = await this.endpoint.submit(body);
    } catch (err) {
      return requestFailure(err);
    }
    const { maxWaitMs, pollIntervalMs, maxUnusableAnswers } = this.settings;
    const deadline = performance.now() + maxWaitMs;
    let unusable = 0; // status answers in a row that could not be used
    let state = "IN_QUEUE";
    for (;;) {
      const left = deadline - performance.now();
      let answer: unknown;
      let problem: string | undefined;
      try {
        answer = await this.endpoint.status(jobId, Math.max(Math.ceil(left), 1000), deadline);
        problem = unusableStatus(answer);
      } catch (err) {
        if (err instanceof UnusableAnswer) problem = err.message;
        else if (err instanceof RequestFailed && performance.now() >= deadline) return this.timedOut(jobId, state);
        else return requestFailure(err);
      }
      if (problem === undefined) {
        unusable = 0;
        const status = answer as Json;
        state = status.status as string;
        if (FINAL.has(state)) return finalOutcome(status, count);
      } else {
        unusable += 1;
        log("job %s: %s (%d in a row)", jobId, problem, unusable);
        if (unusable >= maxUnusableAnswers) return failure(`${problem}, ${unusable} times in a row`, "unusable_answers");
      }
      if (performance.now() + pollIntervalMs > deadline) return this.timedOut(jobId, state);
      if (!(await this.endpoint.wait(pollIntervalMs))) return failure("the run stopped", "stopped");
    }
  }

  private async timedOut(jobId: string, state: string): Promise<Failure> {
    await this.endpoint.cancel(jobId);
    const seconds = formatSeconds(this.settings.maxWaitMs);
    // Never started: no worker was free, which is not the frames' fault.
    if (state === "IN_QUEUE") return failure(`job still queued after ${seconds} s`, "still_queued");
    return failure(`job did not finish within ${seconds} s`, "still_running");
  }
}

const WAITING: ReadonlySet<string> = new Set(WAITING_STATES);
const FINAL: ReadonlySet<string> = new Set(FINAL_STATES);

function failure(reason: string, endingName: EndingName, code?: string): Failure {
  return code === undefined ? { reason, ending: endingName } : { reason, ending: endingName, code };
}

/** Why a parsed `/status` answer cannot be used, or undefined when it has a known status. */
function unusableStatus(answer: unknown): string | undefined {
  if (!isObject(answer)) {
    const kind = answer === null ? "null" : Array.isArray(answer) ? "an array" : typeof answer;
    return `the endpoint's status answer is not a JSON object but ${kind}`;
  }
  const state = answer.status;
  if (typeof state !== "string" || !(WAITING.has(state) || FINAL.has(state))) {
    return `the endpoint's status answer has an unknown status ${String(JSON.stringify(state)).slice(0, 60)}`;
  }
  return undefined;
}

function finalOutcome(answer: Json, count: number): Omit<JobOutcome, "attempts"> | Failure {
  switch (answer.status) {
    case "COMPLETED":
      return readOutput(answer.output, count);
    case "FAILED":
      return jobFailure(jobError(answer.error));
    case "TIMED_OUT":
      return failure("job timed out on the endpoint", "timed_out");
    default: // CANCELLED: someone cancelled it
      return failure("job was cancelled on the endpoint", "cancelled");
  }
}

/** Seconds as Python's `{:g}` writes them: 600, 0.5. */
function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toPrecision(6)));
}

function failed(count: number, failure: Failure, attempts: number): JobOutcome {
  const rule = ending(failure.ending);
  const code = failure.code ?? rule.code;
  return {
    results: Array.from({ length: count }, () => ({ error: failure.reason, code })),
    retryAlone: Array.from({ length: count }, () => rule.framesAlone),
    attempts,
  };
}

function requestFailure(err: unknown): Failure {
  if (!(err instanceof RequestFailed)) throw err; // VisionEndpointError: the run stops
  return failure(err.reason, err.ending);
}

function jobFailure(error: string): Failure {
  return failure(`job failed: ${error}`, jobErrorEnding(error));
}

/** Check a COMPLETED job's output against the worker's contract and read it per frame. */
export function readOutput(output: unknown, count: number): Omit<JobOutcome, "attempts"> | Failure {
  if (isObject(output) && output.error) return jobFailure(jobError(output.error));
  let results: FrameResult[];
  try {
    results = readAnswers(output, count);
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    return failure(`malformed output from the endpoint: ${err.message}`, "malformed_output");
  }
  const retryAlone = results.map((r) => r.description === undefined && isRetryableFrameCode(r.code));
  return { results, retryAlone };
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
