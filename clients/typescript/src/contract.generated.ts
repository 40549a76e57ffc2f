// Generated from frame_contract/ (codes.py, policy.py, output.py, job_input.py) by
// `.venv/bin/python scripts/generate.py`. Do not edit: change the Python declaration, regenerate.

/** Who reports a failure code: the worker (in `error_codes`) or a client (its own failures). */
export type CodeOwner = "worker" | "client";

export interface CodeInfo {
  readonly owner: CodeOwner;
  /** The same frame may succeed if sent again (alone, later). */
  readonly retryable: boolean;
  readonly meaning: string;
}

/** Every failure code; codes are only ever added, never renamed. */
export const CODES: Readonly<Record<string, CodeInfo>> = {
  "invalid_entry": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the entry is not a string, is empty, or is not an http(s) URL, data: URI or base64"
  },
  "invalid_base64": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the base64 text or data: URI does not decode"
  },
  "refused_address": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the URL leads to a non-public address, through a proxy, or redirects to a scheme other than http(s)"
  },
  "unresolvable_host": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the URL's host name does not resolve"
  },
  "not_found": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the frame's host answered 404 or 410"
  },
  "http_error": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the frame's host answered another status that will not change, or sent a compressed transfer"
  },
  "upstream_error": {
    "owner": "worker",
    "retryable": true,
    "meaning": "the frame's host answered 408, 425, 429 or 5xx, also on the retries"
  },
  "connection_failed": {
    "owner": "worker",
    "retryable": true,
    "meaning": "no connection to the frame's host, or it broke mid-transfer"
  },
  "timed_out": {
    "owner": "worker",
    "retryable": true,
    "meaning": "the download passed FETCH_TIMEOUT_S"
  },
  "too_many_redirects": {
    "owner": "worker",
    "retryable": false,
    "meaning": "more than 3 redirects"
  },
  "tls_error": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the TLS handshake with the frame's host failed"
  },
  "too_large": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the frame is over MAX_FRAME_BYTES"
  },
  "empty_frame": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the body or the data is empty"
  },
  "not_an_image": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the bytes are not a JPEG, PNG, GIF, WebP, BMP or TIFF image"
  },
  "broken_image": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the image is truncated or corrupt"
  },
  "too_many_pixels": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the image is over MAX_IMAGE_PIXELS"
  },
  "out_of_gpu_memory": {
    "owner": "worker",
    "retryable": true,
    "meaning": "the frame did not fit in GPU memory even alone"
  },
  "gpu_failure": {
    "owner": "worker",
    "retryable": true,
    "meaning": "the GPU failed; the worker asked RunPod to replace it"
  },
  "generation_failed": {
    "owner": "worker",
    "retryable": true,
    "meaning": "generation raised an error for this frame"
  },
  "empty_description": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the model produced no text (greedy decoding would again)"
  },
  "internal_error": {
    "owner": "worker",
    "retryable": true,
    "meaning": "a bug in the worker; reported in its log"
  },
  "bad_response": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the frame's host broke HTTP: no status line, too many or too long headers, a redirect without Location, broken chunked encoding or an invalid Content-Length"
  },
  "measurement_failed": {
    "owner": "worker",
    "retryable": false,
    "meaning": "the job asked for measurements (`measure`) and they could not be made on this frame"
  },
  "frame_unreadable": {
    "owner": "client",
    "retryable": false,
    "meaning": "the client could not read or download the frame itself"
  },
  "frame_too_large_to_send": {
    "owner": "client",
    "retryable": false,
    "meaning": "the frame as base64 is over the /run payload limit"
  },
  "job_failed": {
    "owner": "client",
    "retryable": true,
    "meaning": "the frame's job failed as a whole on every attempt"
  },
  "job_timed_out": {
    "owner": "client",
    "retryable": true,
    "meaning": "the frame's job was still queued or running at the client's timeout"
  },
  "endpoint_unreachable": {
    "owner": "client",
    "retryable": true,
    "meaning": "the endpoint could not be reached, also on the retries"
  },
  "run_aborted": {
    "owner": "client",
    "retryable": true,
    "meaning": "the run stopped (interrupted, the endpoint refused it, or a client error) before this frame had an answer"
  }
};

/** HTTP statuses that say "not now": one call is retried in place for the outage window. */
export const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([
  408,
  425,
  429,
  500,
  502,
  503,
  504
]);

/** The endpoint refuses the API key: the run stops. */
export const KEY_REFUSED_STATUSES: ReadonlySet<number> = new Set([
  401,
  403
]);

/** On /run: no such endpoint, the run stops. On /status: the job is lost (ending `job_unknown`). */
export const NO_ENDPOINT_STATUS = 404;

/** Job states polled again. */
export const WAITING_STATES: readonly string[] = [
  "IN_QUEUE",
  "IN_PROGRESS"
];

/** Job states that end an attempt. */
export const FINAL_STATES: readonly string[] = [
  "COMPLETED",
  "FAILED",
  "TIMED_OUT",
  "CANCELLED"
];

/** How every worker error for a request wrong as a whole begins: such a job is never run again. */
export const INVALID_INPUT = "Invalid input: ";

/** What the worker can measure on a frame (the job input's `measure`), in its order. */
export const MEASURE_KINDS = [
  "text",
  "colour",
  "exposure"
] as const;

/** The client policy's numbers: every option's default (durations in ms). */
export const POLICY = {
  "batchSize": 5,
  "concurrency": 10,
  "outageMs": 120000,
  "jobTimeoutMs": 600000,
  "pollIntervalMs": 2000,
  "jobRetries": 1,
  "jobRetryDelayMs": 1000,
  "frameRetries": 1,
  "httpBackoffMs": 500,
  "backoffFactor": 2,
  "maxBackoffMs": 10000,
  "maxUnusableAnswers": 5,
  "connectTimeoutMs": 10000,
  "requestTimeoutMs": 60000,
  "maxPayloadBytes": 9000000
} as const;

/** The durations a conformance scenario's `time_scale` multiplies. */
export const SCALED_DURATIONS: readonly (keyof typeof POLICY)[] = [
  "outageMs",
  "jobTimeoutMs",
  "pollIntervalMs",
  "jobRetryDelayMs",
  "httpBackoffMs",
  "maxBackoffMs"
];

export interface JobEnding {
  /** Another attempt of the same job may succeed. */
  readonly runAgain: boolean;
  /** Once the job is given up, send each of its frames again alone. */
  readonly framesAlone: boolean;
  /** The code its frames get when the job is given up. */
  readonly code: string;
  readonly meaning: string;
}

/** Every way one attempt of a job can end without usable output, and what a client does then. */
export const JOB_ENDINGS: Readonly<Record<string, JobEnding>> = {
  "failed": {
    "runAgain": true,
    "framesAlone": true,
    "code": "job_failed",
    "meaning": "status FAILED, or COMPLETED with `output.error`, the error not starting with `Invalid input: `"
  },
  "invalid_input": {
    "runAgain": false,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "status FAILED, or COMPLETED with `output.error`, the error starting with `Invalid input: `: the worker rejected the request as a whole and would again"
  },
  "timed_out": {
    "runAgain": true,
    "framesAlone": true,
    "code": "job_timed_out",
    "meaning": "status TIMED_OUT: the endpoint's own execution timeout"
  },
  "cancelled": {
    "runAgain": false,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "status CANCELLED: someone cancelled the job"
  },
  "malformed_output": {
    "runAgain": true,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "status COMPLETED with an output that breaks the contract (`output.py`)"
  },
  "still_queued": {
    "runAgain": true,
    "framesAlone": false,
    "code": "job_timed_out",
    "meaning": "still IN_QUEUE at `job_timeout_s`: no worker took it, not the frames' fault; cancelled"
  },
  "still_running": {
    "runAgain": true,
    "framesAlone": true,
    "code": "job_timed_out",
    "meaning": "still IN_PROGRESS at `job_timeout_s`; cancelled"
  },
  "unreachable": {
    "runAgain": true,
    "framesAlone": false,
    "code": "endpoint_unreachable",
    "meaning": "an HTTP call failed transiently for the whole outage window"
  },
  "no_job_id": {
    "runAgain": true,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "`/run` answered 200 without a job id (or not JSON)"
  },
  "unusable_answers": {
    "runAgain": true,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "`max_unusable_answers` status answers in a row that were not JSON or had no known status"
  },
  "job_unknown": {
    "runAgain": true,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "`/status` answered 404: the endpoint lost the job"
  },
  "request_refused": {
    "runAgain": false,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "another HTTP status that is not transient (a 4xx): the request itself is wrong"
  },
  "client_error": {
    "runAgain": true,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "an error in the client itself while running the attempt (a bug, or an answer nobody foresaw)"
  },
  "stopped": {
    "runAgain": false,
    "framesAlone": false,
    "code": "job_failed",
    "meaning": "the run stopped (interrupted, or the endpoint refused it)"
  }
};
