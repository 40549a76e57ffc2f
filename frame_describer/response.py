"""The one place where outcomes and typed errors become the job's output dict."""

from __future__ import annotations

from .batching import Description, Outcome
from .errors import WorkerError


def job_output(outcomes: list[Outcome], refresh_worker: bool = False) -> dict:
    """`descriptions` (one per frame, "" where it failed), `failed_indices`, `errors`, `count`."""
    descriptions, failed_indices, errors = [], [], []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, Description):
            descriptions.append(outcome.text)
        else:
            # An empty string never reads like a description to a caller that ignores
            # failed_indices; the reason goes to `errors`.
            descriptions.append("")
            failed_indices.append(index)
            errors.append(str(outcome) or type(outcome).__name__)
    output = {
        "descriptions": descriptions,
        "failed_indices": failed_indices,
        "errors": errors,
        "count": len(outcomes),
    }
    if refresh_worker:
        output["refresh_worker"] = True
    return output


def error_output(err: WorkerError | str) -> dict:
    """A whole-job failure: RunPod marks the job FAILED with this one sentence."""
    return {"error": str(err)}
