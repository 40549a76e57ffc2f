"""Failure codes: one stable snake_case code per failed frame, and whether a retry may help.

The worker reports one of `WORKER_CODES` per failed frame in `error_codes`; clients add
`CLIENT_CODES` for failures on their own side. A code is *retryable* when the same frame may
succeed if sent again (alone, later, perhaps to another worker): the cause lies in the moment,
not in the frame. Clients decide retries from these codes alone, never from the English of
`errors`. Codes are only ever added, never renamed: callers store them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One failure code: its name, whether a retry may succeed, and what it means."""

    name: str
    retryable: bool
    meaning: str


INVALID_ENTRY = "invalid_entry"
INVALID_BASE64 = "invalid_base64"
REFUSED_ADDRESS = "refused_address"
UNRESOLVABLE_HOST = "unresolvable_host"
NOT_FOUND = "not_found"
HTTP_ERROR = "http_error"
UPSTREAM_ERROR = "upstream_error"
CONNECTION_FAILED = "connection_failed"
TIMED_OUT = "timed_out"
TOO_MANY_REDIRECTS = "too_many_redirects"
TLS_ERROR = "tls_error"
TOO_LARGE = "too_large"
EMPTY_FRAME = "empty_frame"
NOT_AN_IMAGE = "not_an_image"
BROKEN_IMAGE = "broken_image"
TOO_MANY_PIXELS = "too_many_pixels"
OUT_OF_GPU_MEMORY = "out_of_gpu_memory"
GPU_FAILURE = "gpu_failure"
GENERATION_FAILED = "generation_failed"
EMPTY_DESCRIPTION = "empty_description"
INTERNAL_ERROR = "internal_error"
MEASUREMENT_FAILED = "measurement_failed"

FRAME_UNREADABLE = "frame_unreadable"
FRAME_TOO_LARGE_TO_SEND = "frame_too_large_to_send"
JOB_FAILED = "job_failed"
JOB_TIMED_OUT = "job_timed_out"
ENDPOINT_UNREACHABLE = "endpoint_unreachable"
RUN_ABORTED = "run_aborted"

WORKER_CODES: dict[str, Code] = {
    code.name: code
    for code in (
        Code(
            INVALID_ENTRY,
            False,
            "the entry is not a string, is empty, or is not an http(s) URL, data: URI or base64",
        ),
        Code(INVALID_BASE64, False, "the base64 text or data: URI does not decode"),
        Code(
            REFUSED_ADDRESS,
            False,
            "the URL leads to a non-public address, through a proxy, or "
            "redirects to a scheme other than http(s)",
        ),
        Code(UNRESOLVABLE_HOST, False, "the URL's host name does not resolve"),
        Code(NOT_FOUND, False, "the frame's host answered 404 or 410"),
        Code(
            HTTP_ERROR,
            False,
            "the frame's host answered another status that will not change, or sent a compressed transfer",
        ),
        Code(UPSTREAM_ERROR, True, "the frame's host answered 408, 425, 429 or 5xx, also on the retries"),
        Code(CONNECTION_FAILED, True, "no connection to the frame's host, or it broke mid-transfer"),
        Code(TIMED_OUT, True, "the download passed FETCH_TIMEOUT_S"),
        Code(TOO_MANY_REDIRECTS, False, "more than 3 redirects"),
        Code(TLS_ERROR, False, "the TLS handshake with the frame's host failed"),
        Code(TOO_LARGE, False, "the frame is over MAX_FRAME_BYTES"),
        Code(EMPTY_FRAME, False, "the body or the data is empty"),
        Code(NOT_AN_IMAGE, False, "the bytes are not a JPEG, PNG, GIF, WebP, BMP or TIFF image"),
        Code(BROKEN_IMAGE, False, "the image is truncated or corrupt"),
        Code(TOO_MANY_PIXELS, False, "the image is over MAX_IMAGE_PIXELS"),
        Code(OUT_OF_GPU_MEMORY, True, "the frame did not fit in GPU memory even alone"),
        Code(GPU_FAILURE, True, "the GPU failed; the worker asked RunPod to replace it"),
        Code(GENERATION_FAILED, True, "generation raised an error for this frame"),
        Code(EMPTY_DESCRIPTION, False, "the model produced no text (greedy decoding would again)"),
        Code(INTERNAL_ERROR, True, "a bug in the worker; reported in its log"),
        Code(
            MEASUREMENT_FAILED,
            False,
            "the job asked for measurements (`measure`) and they could not be made on this frame",
        ),
    )
}

CLIENT_CODES: dict[str, Code] = {
    code.name: code
    for code in (
        Code(FRAME_UNREADABLE, False, "the client could not read or download the frame itself"),
        Code(FRAME_TOO_LARGE_TO_SEND, False, "the frame as base64 is over the /run payload limit"),
        Code(JOB_FAILED, True, "the frame's job failed as a whole on every attempt"),
        Code(JOB_TIMED_OUT, True, "the frame's job was still queued or running at the client's timeout"),
        Code(ENDPOINT_UNREACHABLE, True, "the endpoint could not be reached, also on the retries"),
        Code(
            RUN_ABORTED,
            True,
            "the run stopped (interrupted, the endpoint refused it, or a client error) "
            "before this frame had an answer",
        ),
    )
}

# HTTP statuses that say "not now" rather than "not this request", from a frame's host to the
# worker (UPSTREAM_ERROR) and from the endpoint to a client alike.
TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

ALL_CODES: dict[str, Code] = {**WORKER_CODES, **CLIENT_CODES}
RETRYABLE_CODES = frozenset(name for name, code in ALL_CODES.items() if code.retryable)


def is_retryable(code: str | None) -> bool:
    """True when a frame that failed with `code` may succeed if sent again; unknown codes are not."""
    return code in RETRYABLE_CODES
