"""Split frames into jobs the endpoint accepts, and build each job's input.

A job carries either local frames (`frame_data`, bare base64, `format: base64`) or URLs
(`frame_urls`), never both: the worker takes one source per job. Each job holds at most
`batch_size` frames and its JSON body stays under `max_payload_bytes` (RunPod's `/run` takes
10 MB). A local frame too large to fit any job on its own is reported failed, never sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from frame_contract.job_input import MEASURE_KINDS, measured_kinds
from frame_contract.policy import POLICY

from .frames import BASE64, Frame

DEFAULT_MAX_PAYLOAD_BYTES = POLICY.max_payload_bytes


@dataclass(frozen=True)
class Job:
    """Frames described together in one RunPod job; `solo_retry` marks a frame's second chance."""

    kind: str
    frames: tuple[Frame, ...]
    solo_retry: bool = False


@dataclass
class JobPlan:
    """The jobs in the order of their first frame, and the frames no job can carry."""

    jobs: list[Job] = field(default_factory=list)
    too_large: list[tuple[Frame, str]] = field(default_factory=list)


@dataclass(frozen=True)
class JobAsk:
    """What every job of a run asks the worker for besides its frames (None: the worker's default)."""

    prompt: str | None = None
    max_new_tokens: int | None = None
    output: str = "text"  # or "fields": one JSON object per frame as well
    # The measurements asked for, in `MEASURE_KINDS` order (`measure_kinds`); () asks for none.
    measure: tuple[str, ...] = ()

    def input_fields(self) -> dict:
        """The job input's keys for these, leaving out what the worker's defaults already are."""
        fields = {"prompt": self.prompt, "max_new_tokens": self.max_new_tokens}
        fields = {key: value for key, value in fields.items() if value is not None}
        if self.output != "text":
            fields["output"] = self.output
        if self.measure:
            fields["measure"] = list(self.measure)
        return fields


def measure_kinds(measure: object) -> tuple[str, ...]:
    """The kinds a caller's `measure` asks for, in `MEASURE_KINDS` order: `True` is every kind, a
    list or tuple names some; `None`, `False` and `[]` are none. `ValueError` for anything else."""
    if measure is None or measure is False:
        return ()
    try:
        return measured_kinds(measure)
    except ValueError as err:
        raise ValueError(
            f"measure must be True or a list of {', '.join(repr(k) for k in MEASURE_KINDS)}{err}."
        ) from None


def job_input(kind: str, entries: Sequence[str], ask: JobAsk | None = None) -> dict:
    """The `input` object of one job, as the worker reads it."""
    body: dict = (
        {"frame_data": list(entries), "format": "base64"} if kind == BASE64 else {"frame_urls": list(entries)}
    )
    return {**body, **(ask or JobAsk()).input_fields()}


def plan_jobs(
    frames: Sequence[Frame],
    batch_size: int,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    ask: JobAsk | None = None,
) -> JobPlan:
    """Group `frames` (unique, in input order) into jobs of one kind each, filled in order."""
    overhead = len(json.dumps({"input": job_input(BASE64, [], ask)}))
    budget = max_payload_bytes - overhead
    plan = JobPlan()
    filling: dict[str, _Filling] = {}  # the job being filled, per kind
    in_order: list[_Filling] = []
    for frame in frames:
        if frame.payload_bytes > budget:
            reason = (
                f"frame is too large to send: {frame.payload_bytes} bytes as base64, over the "
                f"{max_payload_bytes}-byte job payload limit (pass its URL instead)"
            )
            plan.too_large.append((frame, reason))
            continue
        job = filling.get(frame.kind)
        if job is None or len(job.frames) >= batch_size or job.size + frame.payload_bytes > budget:
            job = filling[frame.kind] = _Filling()
            in_order.append(job)
        job.frames.append(frame)
        job.size += frame.payload_bytes
    plan.jobs = [Job(kind=job.frames[0].kind, frames=tuple(job.frames)) for job in in_order]
    return plan


@dataclass
class _Filling:
    frames: list[Frame] = field(default_factory=list)
    size: int = 0
