"""The client's tuning knobs, with defaults for the hosted RunPod API, in one frozen object."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from frame_contract.policy import POLICY, SCALED_DURATIONS

from .failures import ConfigError

DEFAULT_OUTAGE_S = POLICY.outage_s
DEFAULT_JOB_TIMEOUT_S = POLICY.job_timeout_s


@dataclass(frozen=True)
class ClientOptions:
    """Retries, timeouts and limits; defaults and meanings are `frame_contract.policy`'s."""

    job_retries: int = POLICY.job_retries
    retry_frames_alone: bool = POLICY.frame_retries > 0
    job_timeout_s: float = POLICY.job_timeout_s
    outage_s: float = POLICY.outage_s
    poll_interval_s: float = POLICY.poll_interval_s
    max_unusable_answers: int = POLICY.max_unusable_answers
    http_backoff_s: float = POLICY.http_backoff_s
    max_backoff_s: float = POLICY.max_backoff_s
    job_retry_delay_s: float = POLICY.job_retry_delay_s
    connect_timeout_s: float = POLICY.connect_timeout_s
    request_timeout_s: float = POLICY.request_timeout_s
    max_payload_bytes: int = POLICY.max_payload_bytes

    def scaled(self, time_scale: float) -> ClientOptions:
        """These options with the policy's `SCALED_DURATIONS` times `time_scale` (scenarios' time)."""
        return replace(self, **{name: getattr(self, name) * time_scale for name in SCALED_DURATIONS})

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
