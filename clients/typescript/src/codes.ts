/**
 * Which failures are worth another try, read from the contract (`contract.generated.ts`,
 * generated from `frame_contract/policy.py`; `docs/client-policy.md` states the rules once).
 *
 * A failure is *transient* when the same request may succeed if made again (a busy GPU, a
 * flaky network, an endpoint down for a while); anything else fails the same way every time and
 * is never retried. Three levels, each with its own retry:
 *
 * 1. One HTTP call to the endpoint (`endpoint.ts`), retried in place with capped backoff for as
 *    long as the failures last less than the outage window: connection errors, timeouts and the
 *    transient HTTP statuses (honouring Retry-After). 401/403, and 404 on `/run`, stop the run.
 * 2. One job (`runner.ts`), run again (`jobRetries`) when an attempt ends badly: the HTTP calls
 *    gave up, the answers were unusable (malformed output included), FAILED, TIMED_OUT, or still
 *    queued or running at the job timeout — unless its error starts with the worker's marker of
 *    a request wrong as a whole, `Invalid input: `, which comes back the same. CANCELLED is final.
 * 3. One frame (`pool.ts`), sent again alone, once, after its job ended: when its code is
 *    retryable, or when its job failed as a whole on every attempt and the failure came from the
 *    worker (one frame may be what breaks a job). The client never parses the worker's English.
 */

import { CODES, INVALID_INPUT, JOB_ENDINGS, type JobEnding, TRANSIENT_HTTP_STATUSES } from "./contract.generated.js";

export { CODES, INVALID_INPUT } from "./contract.generated.js";

/** The client's own failure codes, by their use here; the worker never sends these. */
export const ClientCode = {
  frameUnreadable: "frame_unreadable",
  frameTooLargeToSend: "frame_too_large_to_send",
  jobFailed: "job_failed",
  jobTimedOut: "job_timed_out",
  endpointUnreachable: "endpoint_unreachable",
  runAborted: "run_aborted",
} as const;

/** The worker's codes used by name here. */
export const WorkerCode = {
  emptyDescription: "empty_description",
  internalError: "internal_error",
} as const;

/** The worker's per-frame codes whose frame may succeed when sent again alone. */
export const RETRYABLE_WORKER_CODES: ReadonlySet<string> = new Set(
  Object.entries(CODES)
    .filter(([, code]) => code.owner === "worker" && code.retryable)
    .map(([name]) => name),
);

/** True when a frame that failed with `code` may succeed if sent again; unknown codes may not. */
export function isRetryableFrameCode(code: string | null | undefined): boolean {
  if (code === null || code === undefined || !Object.hasOwn(CODES, code)) return false;
  return CODES[code]?.retryable === true;
}

/** The ending of a job that ended FAILED (or with `output.error`): permanent for `Invalid input: ` only. */
export function jobErrorEnding(error: string): "failed" | "invalid_input" {
  return error.startsWith(INVALID_INPUT) ? "invalid_input" : "failed";
}

export function isTransientHttpStatus(status: number): boolean {
  return TRANSIENT_HTTP_STATUSES.has(status);
}

/** A way one attempt of a job can end without usable output (the contract's `JOB_ENDINGS`). */
export type EndingName = keyof typeof JOB_ENDINGS & string;

/** What the policy does after an attempt ended `name`: run the job again? its frames alone? which code? */
export function ending(name: string): JobEnding {
  const rule = JOB_ENDINGS[name];
  if (rule === undefined) throw new Error(`no job ending ${name} in the contract`);
  return rule;
}
