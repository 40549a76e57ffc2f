"""The one place where outcomes and typed errors become the job's output dict.

The shape itself is `frame_contract.output`'s, shared with the clients that read it.
"""

from __future__ import annotations

from frame_contract.job_input import FIELDS
from frame_contract.output import INVALID_INPUT, FrameAnswer, build_output

from .errors import FrameError, InvalidJob
from .frame_types import Description, Outcome
from .job_input import JobRequest


def job_output(request: JobRequest, outcomes: list[Outcome], refresh_worker: bool = False) -> dict:
    """`request`'s output: `descriptions` (one per frame, "" where it failed), `failed_indices`,
    `errors`, `error_codes` and `count`; `fields` for a fields job; `measurements` for a job that
    measured; `refresh_worker` when the GPU can no longer be trusted."""
    output = build_output(
        [_answer(outcome) for outcome in outcomes],
        with_fields=request.output == FIELDS,
        with_measurements=bool(request.measure),
    )
    if refresh_worker:
        output["refresh_worker"] = True
    return output


def error_output(err: InvalidJob) -> dict:
    """A request wrong as a whole: RunPod marks the job FAILED with this one sentence."""
    return {"error": f"{INVALID_INPUT}{err}"}


def internal_error_output(err: BaseException) -> dict:
    """A job that failed on a bug rather than on its input; the traceback goes to the log."""
    return {"error": f"Internal error while describing frames: {type(err).__name__}."}


def _answer(outcome: Outcome) -> FrameAnswer:
    if isinstance(outcome, Description):
        return FrameAnswer(description=outcome.text, fields=outcome.fields, measurements=outcome.measurements)
    code = outcome.code if isinstance(outcome, FrameError) else None
    return FrameAnswer(error=str(outcome) or type(outcome).__name__, code=code)
