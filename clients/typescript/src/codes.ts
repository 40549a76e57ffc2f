/**
 * Which failures are worth another try: the worker's per-frame error codes, the client's own
 * codes, and the worker's marker of a request that is wrong as a whole.
 *
 * A failure is *transient* when the same request may succeed if made again (a busy GPU, a
 * flaky network, an overloaded frame host); anything else fails the same way every time and
 * is never retried. Three levels, each with its own retry:
 *
 * 1. One HTTP call to the endpoint (`endpoint.ts`), retried in place with backoff: connection
 *    errors, timeouts, HTTP 408, 425, 429 and 5xx (honouring Retry-After).
 * 2. One job (`runner.ts`), run again (`jobRetries`, once by default) when it ends FAILED, with
 *    `output.error`, TIMED_OUT, or unfinished at `maxWaitMs` — unless its error starts with the
 *    worker's marker of a request wrong as a whole, `Invalid input: `, which comes back the same.
 * 3. One frame (`pool.ts`), sent again alone, once, after its job ended: when the worker's
 *    `error_codes` gives it a retryable code, or when its job failed as a whole on every
 *    attempt and the failure came from the worker (one frame may be what breaks a job). A
 *    worker answer without `error_codes` retries no frame alone: the client does not parse
 *    the worker's English.
 */

/** The worker's per-frame codes whose frame may succeed when sent again alone. */
export const RETRYABLE_WORKER_CODES: ReadonlySet<string> = new Set([
  "upstream_error",
  "connection_failed",
  "timed_out",
  "out_of_gpu_memory",
  "gpu_failure",
  "generation_failed",
  "internal_error",
]);

/** Codes of the client's own failures; the worker never sends these. */
export const ClientCode = {
  /** A URL or bytes the client itself could not download or read. */
  frameUnreadable: "frame_unreadable",
  /** Over the `/run` body limit as base64, even alone in a job. */
  frameTooLargeToSend: "frame_too_large_to_send",
  /** The job ended FAILED, with `output.error` or with malformed output after its retries. */
  jobFailed: "job_failed",
  /** Still queued or running at `maxWaitMs` after its retries. */
  jobTimedOut: "job_timed_out",
  /** The endpoint could not be reached after the HTTP retries. */
  endpointUnreachable: "endpoint_unreachable",
  /** The worker said "described" but gave no text. */
  emptyDescription: "empty_description",
} as const;

export const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/** How every worker error for a request wrong as a whole begins (`frame_contract/output.py`). */
export const INVALID_INPUT = "Invalid input: ";

/** True when a frame that failed with the worker's `code` may succeed if sent again alone. */
export function isRetryableFrameCode(code: string | null): boolean {
  return code !== null && RETRYABLE_WORKER_CODES.has(code);
}

/** True when a job that ended FAILED (or with `output.error`) may succeed if run again. */
export function isTransientJobError(error: string): boolean {
  return !error.startsWith(INVALID_INPUT);
}

export function isTransientHttpStatus(status: number): boolean {
  return TRANSIENT_HTTP_STATUSES.has(status);
}
