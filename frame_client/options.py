"""The client's tuning knobs, with defaults for the hosted RunPod API, in one frozen object."""

from __future__ import annotations

from dataclasses import dataclass

from .jobs import DEFAULT_MAX_PAYLOAD_BYTES


@dataclass(frozen=True)
class ClientOptions:
    """Retries, timeouts and limits. `failures.py` says which failures each retry covers."""

    job_retries: int = 1  # runs of a failed job after its first
    retry_frames_alone: bool = True  # send a frame that failed transiently again, on its own
    job_timeout_s: float = 600.0  # from /run to a final status; then the job is cancelled
    poll_interval_s: float = 2.0  # between status checks of a job still queued or running
    http_retries: int = 4  # extra tries of one HTTP call after a transient failure
    http_backoff_s: float = 0.5  # first pause between tries, doubled each time
    max_backoff_s: float = 10.0  # longest pause between tries, Retry-After included
    job_retry_delay_s: float = 1.0  # pause before running a failed job again
    connect_timeout_s: float = 10.0
    request_timeout_s: float = 60.0  # read timeout of /run and of a hosted status check
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES  # one job's JSON body
