"""Which failures are worth another try, and the client's error types.

A failure is *transient* when the same request may succeed if made again: the cause lies in
the moment (a busy GPU, a flaky network, an endpoint down for a while), not in the frame or the
request. Anything else is *permanent* and is never retried, because it would fail the same way.
Nothing here reads the worker's English: frames are judged by their codes
(`frame_contract.codes`), jobs by the fixed marker of a whole-job rejection
(`frame_contract.output.INVALID_INPUT`).

Three levels, each with its own retry:

1. One HTTP call to the endpoint (`transport.py`), retried in place with capped exponential
   backoff while the failures last less than `outage_s` (120 s): connection errors, timeouts,
   HTTP 408, 425, 429 and 5xx. Then the call fails (`endpoint_unreachable`).
   Fatal for the whole run (`EndpointError`): HTTP 401/403 (the API key is refused) and 404 on
   `/run` (no such endpoint): no job can succeed, so the run stops with that message.
   Permanent: every other 4xx (the request itself is wrong).

2. One job (`runner.py`), run again up to `job_retries` times when an attempt ends badly: the
   HTTP calls gave up, the answers were unusable (not JSON, no known status, an output that
   breaks the contract), the job ended FAILED or TIMED_OUT, or it was still queued or running
   at `job_timeout_s`. A FAILED job (or `output.error`) whose error starts with `Invalid input: `
   is the worker's rejection of a request wrong as a whole: it comes back the same, so it is
   permanent. CANCELLED (someone cancelled it) is permanent. A `/status` answer that cannot be
   used is polled again, up to `max_unusable_answers` times in a row, never resubmitted at once.

3. One frame (`pool.py`), sent again alone, once, after its job ended: exactly when its code is
   retryable (`frame_may_recover`). The frames of a job that failed as a whole on every attempt
   are retried alone when that failure came from the worker (FAILED, TIMED_OUT, still running at
   `job_timeout_s`), since one frame may be what breaks the job; not when the endpoint could not
   be reached, refused the request or answered nonsense, nor when the job was still queued (no
   worker took it: not the frames' fault).
"""

from __future__ import annotations

from frame_contract.codes import TRANSIENT_HTTP_STATUSES, is_retryable


class ClientError(Exception):
    """Base of the errors `describe_frames` raises; a frame's own failure is never one."""


class ConfigError(ClientError):
    """The client cannot start: no endpoint, no API key, an argument out of range, a bad resume file."""


class EndpointError(ClientError):
    """The endpoint refuses every request (bad API key, no such endpoint): the run stops.

    `results`, when the run had started, holds one result per input frame: those settled before
    the refusal, the others failed with the code `run_aborted`.
    """

    def __init__(self, message: str, results: list | None = None):
        super().__init__(message)
        self.results = results


class RunInterrupted(KeyboardInterrupt):
    """The run was interrupted (Ctrl-C, SIGTERM in the command); still a `KeyboardInterrupt`.

    `results` holds one result per input frame: those settled before the interruption, the
    others failed with the code `run_aborted`.
    """

    def __init__(self, results: list):
        super().__init__("interrupted")
        self.results = results


def frame_may_recover(code: str | None) -> bool:
    """True when a frame the worker failed with `code` may succeed sent again alone: its code says so."""
    return is_retryable(code)


def is_transient_http_status(status: int) -> bool:
    """True for HTTP statuses that say "not now" rather than "not this request"."""
    return status in TRANSIENT_HTTP_STATUSES
