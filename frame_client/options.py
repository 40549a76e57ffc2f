"""The client's tuning knobs, with defaults for the hosted RunPod API, in one frozen object."""

from __future__ import annotations

from dataclasses import dataclass, fields

from .failures import ConfigError
from .jobs import DEFAULT_MAX_PAYLOAD_BYTES

DEFAULT_OUTAGE_S = 120.0
DEFAULT_JOB_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class ClientOptions:
    """Retries, timeouts and limits. `failures.py` says which failures each retry covers."""

    job_retries: int = 1  # runs of a failed job after its first
    retry_frames_alone: bool = True  # send a frame that failed transiently again, on its own
    job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S  # from /run to a final status, queued or running
    outage_s: float = DEFAULT_OUTAGE_S  # how long one HTTP call keeps retrying an unreachable endpoint
    poll_interval_s: float = 2.0  # between status checks of a job still queued or running
    max_unusable_answers: int = 5  # /status answers in a row that cannot be used; then the attempt fails
    http_backoff_s: float = 0.5  # first pause between tries of one HTTP call, doubled each time
    max_backoff_s: float = 10.0  # longest pause between tries, Retry-After included
    job_retry_delay_s: float = 1.0  # pause before running a failed job again
    connect_timeout_s: float = 10.0
    request_timeout_s: float = 60.0  # read timeout of /run and of a hosted status check
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES  # one job's JSON body

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type == "bool":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ConfigError(
                    f"ClientOptions.{field.name} must be a number of at least 0, not {value!r}."
                )
        for name in ("job_timeout_s", "poll_interval_s", "max_unusable_answers", "max_payload_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"ClientOptions.{name} must be above 0, not {getattr(self, name)!r}.")
