"""What the client returns per frame, and the same results shaped like the worker's own output.

Both are the contract's own (`frame_contract.output`): a `FrameResult` is the contract's
`FrameAnswer` (with scenes, also the frame it was described from), and `to_output` builds
exactly what the worker builds for one job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from frame_contract.output import FrameAnswer, build_output


@dataclass(frozen=True)
class FrameResult(FrameAnswer):
    """One frame's outcome as the contract has it, and, with scenes, the frame it was described from."""

    # Scenes only: the input index of the frame this result was described from (its shot's keyframe).
    keyframe: int | None = None

    @classmethod
    def of(cls, answer: FrameAnswer, keyframe: int | None = None) -> FrameResult:
        """`answer` (read from a job's output) as this frame's result."""
        return cls(answer.description, answer.error, answer.code, answer.fields, keyframe)


def to_output(results: Sequence[FrameResult], with_fields: bool = False) -> dict:
    """`{"descriptions", "failed_indices", "errors", "error_codes", "count"}` over all frames,
    and `fields` (one object or null per frame) for a fields run.

    A failed frame's description is `""`, as in the worker's output, so a reader that ignores
    `failed_indices` never takes a failure for a description.
    """
    return build_output(results, with_fields)
