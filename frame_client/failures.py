"""The client's error types, and the two questions it asks of a failure.

Which failures are worth another try is the contract's client policy
(`frame_contract.policy`, described in docs/client-policy.md): HTTP calls retried in place for
the outage window, jobs run again per `JOB_ENDINGS`, frames sent again alone when their code
(`frame_contract.codes`) is retryable. Nothing here reads the worker's English: frames are
judged by their codes, jobs by the fixed marker of a whole-job rejection
(`frame_contract.output.INVALID_INPUT`).
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
