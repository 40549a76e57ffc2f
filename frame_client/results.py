"""What the client returns per frame, and the same results shaped like the worker's own output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FrameResult:
    """One frame's outcome: its `description`, or the `error` that says why it has none."""

    description: str | None = None
    error: str | None = None
    # Scenes only: the input index of the frame this result was described from (its shot's keyframe).
    keyframe: int | None = None

    @property
    def ok(self) -> bool:
        return self.description is not None


def to_output(results: Sequence[FrameResult]) -> dict:
    """`{"descriptions", "failed_indices", "errors", "count"}` over all frames, as the worker shapes a job.

    A failed frame's description is `""`, as in the worker's output, so a reader that ignores
    `failed_indices` never takes a failure for a description.
    """
    descriptions, failed_indices, errors = [], [], []
    for index, result in enumerate(results):
        if result.ok:
            descriptions.append(result.description)
        else:
            descriptions.append("")
            failed_indices.append(index)
            errors.append(result.error or "unknown error")
    return {
        "descriptions": descriptions,
        "failed_indices": failed_indices,
        "errors": errors,
        "count": len(results),
    }
