"""Which failures are worth another try, and the client's error types.

A failure is *transient* when the same request may succeed if made again: the cause lies in
the moment (a busy GPU, a flaky network, an overloaded source), not in the frame or the
request. Anything else is *permanent* and is never retried, because it would fail the same way.

Three levels, each with its own retry:

1. One HTTP call to the endpoint (`transport.py`), retried in place with backoff.
   Transient: connection errors, timeouts, HTTP 408, 425, 429 and 5xx.
   Fatal for the whole run (`EndpointError`): HTTP 401/403 (the API key is refused) and 404 on
   `/run` (no such endpoint): no job can succeed, so the run stops with that message.
   Permanent: every other 4xx (the request itself is wrong).

2. One job (`runner.py`), run again up to `job_retries` times when an attempt ends badly:
   the HTTP calls gave up on a transient error, the job ended FAILED or TIMED_OUT, or it did not
   finish within `job_timeout_s`. A FAILED job is transient unless its error is one of the
   worker's rejections of a request wrong as a whole (an unknown input key, a bad prompt or
   `max_new_tokens`, more frames than the worker's MAX_FRAMES_PER_JOB): those come back the same.
   Unknown FAILED errors count as transient: a job fails as a whole only when something broke.
   CANCELLED (someone cancelled it) and malformed output (not this worker) are permanent.

3. One frame (`pool.py`), sent again alone, once, after its job ended. Transient, from the
   worker's per-frame reasons: "out of GPU memory", "GPU failure: ...", "generation failed:
   ...", "internal error: ...", and fetch failures of a URL that may clear: HTTP 408/425/429/5xx
   from the frame's host, "could not connect", a connection broken during download, no answer
   or a download over its deadline. Permanent: "not an image", "broken image", too many
   pixels, HTTP 404 and other 4xx from the host, a refused or unresolvable address, too many
   redirects, a frame over the size cap, bad base64, an empty body, "model returned an empty
   description" (greedy decoding gives it again), and any reason not listed here. The frames
   of a job that failed as a whole on every attempt are retried alone when that failure came
   from the worker (FAILED, TIMED_OUT, still running at `job_timeout_s`), since one frame may
   be what breaks the job; not when the endpoint could not be reached or refused the request,
   nor when the job was still queued (no worker took it: not the frames' fault).
"""

from __future__ import annotations

import re

from frame_contract.codes import TRANSIENT_HTTP_STATUSES


class ClientError(Exception):
    """Base of the errors `describe_frames` raises; a frame's own failure is never one."""


class ConfigError(ClientError):
    """The client cannot start: no endpoint, no API key, or an argument out of range."""


class EndpointError(ClientError):
    """The endpoint refuses every request (bad API key, no such endpoint): the run stops."""


# Reasons the worker gives for one frame (frame_describer/errors.py and sources.py).
_TRANSIENT_FRAME_REASONS = re.compile(
    r"^(out of GPU memory"
    r"|GPU failure\b"
    r"|generation failed\b"
    r"|internal error\b"
    r"|HTTP (408|425|429|5\d\d) from "
    r"|could not connect to "
    r"|connection to .* broke during download"
    r"|no answer from "
    r"|download from .* exceeded the .* deadline)",
    re.IGNORECASE,
)

# The worker's rejections of a request wrong as a whole (frame_describer/job_input.py).
_PERMANENT_JOB_ERRORS = re.compile(
    r"(Unknown input key"
    r"|'prompt' (must|has)"
    r"|'max_new_tokens' must"
    r"|'format' must"
    r"|frames; at most \d+ are allowed"
    r"|Give either 'frame_urls' or 'frame_data'"
    r"|No frames: give"
    r"|^Input must be a JSON object)",
    re.IGNORECASE,
)


def is_transient_frame_reason(reason: str) -> bool:
    """True when a frame that failed for `reason` (the worker's words) may succeed alone."""
    return bool(_TRANSIENT_FRAME_REASONS.match(reason.strip()))


def is_transient_job_error(error: str) -> bool:
    """True when a job that ended FAILED with `error` may succeed if run again."""
    return not _PERMANENT_JOB_ERRORS.search(error)


def is_transient_http_status(status: int) -> bool:
    """True for HTTP statuses that say "not now" rather than "not this request"."""
    return status in TRANSIENT_HTTP_STATUSES
