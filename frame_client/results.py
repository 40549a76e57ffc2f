"""What the client returns, and the same results shaped like the worker's own output.

Per frame, a `FrameResult` is the contract's `FrameAnswer` (`frame_contract.output`; with scenes,
also the frame it was described from), and `to_output` builds exactly what the worker builds for
one job. Per shot (with scenes), a `Shot` says which frames it holds, when it runs and how the
camera moves (`Camera`); `shots_output` is its JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from frame_contract.codes import RUN_ABORTED
from frame_contract.output import FrameAnswer, build_output

INTERRUPTED = "the run was interrupted"

# What a shot's camera does, as the camera would say it (`pan_right`: the camera turns right, the
# picture's content moves left). `camera.py` measures it; docs/shots.md defines each.
MOTIONS = (
    "static",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "zoom_in",
    "zoom_out",
    "handheld",
    "unknown",
)


@dataclass(frozen=True)
class FrameResult(FrameAnswer):
    """One frame's outcome as the contract has it, and, with scenes, the frame it was described from."""

    # Scenes only: the input index of the frame this result was described from (its shot's keyframe).
    keyframe: int | None = None

    @classmethod
    def of(cls, answer: FrameAnswer, keyframe: int | None = None) -> FrameResult:
        """`answer` (read from a job's output) as this frame's result."""
        return cls(
            description=answer.description,
            error=answer.error,
            code=answer.code,
            fields=answer.fields,
            measurements=answer.measurements,
            keyframe=keyframe,
        )


@dataclass(frozen=True)
class Camera:
    """A shot's camera: its `motion` (one of MOTIONS) and the rates it was read from.

    `pan`: frame widths a second, + to the right; `tilt`: frame heights a second, + upwards;
    `zoom`: the natural log of the picture's scale change a second, + in (the content grows);
    `shake`: how far the picture wanders from that steady move, root mean square, in frame widths.
    All None when nothing could be measured (`motion` is then `unknown`).
    """

    motion: str = "unknown"
    pan: float | None = None
    tilt: float | None = None
    zoom: float | None = None
    shake: float | None = None


@dataclass(frozen=True)
class Shot:
    """One shot: input frames `first` to `last`, described from `keyframe`, from `start_s` to `end_s`."""

    first: int
    last: int
    keyframe: int
    start_s: float
    end_s: float
    camera: Camera = Camera()


def to_output(
    results: Sequence[FrameResult], with_fields: bool = False, with_measurements: bool = False
) -> dict:
    """`{"descriptions", "failed_indices", "errors", "error_codes", "count"}` over all frames,
    `fields` (one object or null per frame) for a fields run, and `measurements` (likewise) for
    a run that asked for them (`measure`).

    A failed frame's description is `""`, as in the worker's output, so a reader that ignores
    `failed_indices` never takes a failure for a description.
    """
    return build_output(results, with_fields, with_measurements)


def shots_output(shots: Sequence[Shot]) -> list[dict]:
    """The `shots` of the JSON: one object per shot, in order, camera included."""
    return [asdict(shot) for shot in shots]


def aborted(results: Sequence[FrameResult | None], reason: str) -> list[FrameResult]:
    """`results` with every frame not yet settled failed with `reason` and the code `run_aborted`."""
    failure = FrameResult(error=reason, code=RUN_ABORTED)
    return [failure if result is None else result for result in results]
