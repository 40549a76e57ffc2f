/**
 * The contract's rules as this client uses them, in one object: every other module reads them
 * from here, never from a literal of its own.
 *
 * TEMPORARY: the values below are `frame_contract`'s as of this commit; they are replaced by
 * the generated `contract.generated.ts` as soon as it lands (`frame_contract/policy.py`).
 */

export type Owner = "worker" | "client";

export interface CodeRule {
  owner: Owner;
  retryable: boolean;
  meaning: string;
}

const worker = (retryable: boolean, meaning: string): CodeRule => ({ owner: "worker", retryable, meaning });
const client = (retryable: boolean, meaning: string): CodeRule => ({ owner: "client", retryable, meaning });

export const CONTRACT = {
  codes: {
    invalid_entry: worker(false, "the entry is not a string, is empty, or is not an http(s) URL, data: URI or base64"),
    invalid_base64: worker(false, "the base64 text or data: URI does not decode"),
    refused_address: worker(false, "the URL leads to a non-public address"),
    unresolvable_host: worker(false, "the URL's host name does not resolve"),
    not_found: worker(false, "the frame's host answered 404 or 410"),
    http_error: worker(false, "the frame's host answered another status that will not change"),
    upstream_error: worker(true, "the frame's host answered 408, 425, 429 or 5xx, also on the retries"),
    connection_failed: worker(true, "no connection to the frame's host, or it broke mid-transfer"),
    timed_out: worker(true, "the download passed FETCH_TIMEOUT_S"),
    too_many_redirects: worker(false, "more than 3 redirects"),
    tls_error: worker(false, "the TLS handshake with the frame's host failed"),
    too_large: worker(false, "the frame is over MAX_FRAME_BYTES"),
    empty_frame: worker(false, "the body or the data is empty"),
    not_an_image: worker(false, "the bytes are not an image"),
    broken_image: worker(false, "the image is truncated or corrupt"),
    too_many_pixels: worker(false, "the image is over MAX_IMAGE_PIXELS"),
    out_of_gpu_memory: worker(true, "the frame did not fit in GPU memory even alone"),
    gpu_failure: worker(true, "the GPU failed"),
    generation_failed: worker(true, "generation raised an error for this frame"),
    empty_description: worker(false, "the model produced no text"),
    internal_error: worker(true, "a bug in the worker"),
    frame_unreadable: client(false, "the client could not read or download the frame itself"),
    frame_too_large_to_send: client(false, "the frame as base64 is over the /run payload limit"),
    job_failed: client(true, "the frame's job failed as a whole on every attempt"),
    job_timed_out: client(true, "the frame's job was still queued or running at the client's timeout"),
    endpoint_unreachable: client(true, "the endpoint could not be reached, also on the retries"),
    run_aborted: client(true, "the run stopped before this frame had an answer"),
  } as Record<string, CodeRule>,
  transientHttpStatuses: [408, 425, 429, 500, 502, 503, 504],
  invalidInputPrefix: "Invalid input: ",
  waitingStates: ["IN_QUEUE", "IN_PROGRESS"],
  finalStates: ["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"],
  defaults: { batchSize: 5, concurrency: 10 },
  outageS: 120,
  jobTimeoutS: 600,
  pollIntervalS: 2,
  jobRetries: 1,
  frameRetries: 1,
  maxUnusableAnswers: 5,
  backoff: { firstS: 0.5, maxS: 10 },
  jobRetryDelayS: 1,
} as const;
