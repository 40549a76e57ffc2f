"""A job's output, built by the worker and read back by clients: one definition of its shape.

    {"descriptions": [...], "failed_indices": [...], "errors": [...], "error_codes": [...],
     "count": N}                                  and, for `output: fields` jobs, "fields": [...]

`descriptions` has exactly one string per input frame, in input order; a failed frame's is
`""`, so a caller that ignores `failed_indices` never stores an error as a description.
`errors` (human text) and `error_codes` (`codes.py`) are parallel to `failed_indices`.
`fields` has one object per frame, `null` where the frame failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .codes import EMPTY_DESCRIPTION, INTERNAL_ERROR

KEYS = ("descriptions", "failed_indices", "errors", "error_codes", "count")
# Starts every whole-job rejection of a request wrong as a whole (`{"error": "Invalid input: ..."}`,
# RunPod status FAILED): such a job fails the same way if sent again. Any other job error is
# something that broke, and may not happen again.
INVALID_INPUT = "Invalid input: "


@dataclass(frozen=True)
class FrameAnswer:
    """One frame's answer: its `description` (and `fields`), or the `error` and `code` of its failure."""

    description: str | None = None
    error: str | None = None
    code: str | None = None
    fields: dict | None = None

    @property
    def ok(self) -> bool:
        return self.description is not None


class OutputError(ValueError):
    """An output does not have the contract's shape; the message says how."""


def build_output(answers: Sequence[FrameAnswer], with_fields: bool = False) -> dict:
    """The output over `answers`, one per frame in order; `fields` only when `with_fields`."""
    descriptions, failed_indices, errors, error_codes = [], [], [], []
    for index, answer in enumerate(answers):
        if answer.ok:
            descriptions.append(answer.description)
            continue
        descriptions.append("")
        failed_indices.append(index)
        errors.append(answer.error or "failed without a reason")
        error_codes.append(answer.code or INTERNAL_ERROR)
    output = {
        "descriptions": descriptions,
        "failed_indices": failed_indices,
        "errors": errors,
        "error_codes": error_codes,
        "count": len(answers),
    }
    if with_fields:
        output["fields"] = [answer.fields if answer.ok else None for answer in answers]
    return output


def read_output(output: object, count: int) -> list[FrameAnswer]:
    """The answers in an output for `count` frames; `OutputError` when it breaks the contract.

    Tolerates what older workers leave out: no `error_codes` (codes are then None), no `errors`
    (a generic reason), no `failed_indices` when every description is a non-empty string.
    """
    if not isinstance(output, dict):
        raise OutputError(f"expected an object, got {type(output).__name__}")
    descriptions = output.get("descriptions")
    if not isinstance(descriptions, list) or len(descriptions) != count:
        raise OutputError(f"expected {count} descriptions")
    failed = _list(output, "failed_indices", [])
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < count for i in failed):
        raise OutputError("failed_indices out of range")
    errors = _parallel(output, "errors", failed)
    codes = _parallel(output, "error_codes", failed)
    fields = output.get("fields")
    if fields is not None and (not isinstance(fields, list) or len(fields) != count):
        raise OutputError(f"expected {count} entries in fields")
    reasons = {index: (errors[n], codes[n]) for n, index in enumerate(failed)}
    answers = []
    for index, description in enumerate(descriptions):
        if index in reasons:
            error, code = reasons[index]
            answers.append(FrameAnswer(error=_text(error) or "failed without a reason", code=_code(code)))
        elif isinstance(description, str) and description.strip():
            frame_fields = fields[index] if fields is not None else None
            answers.append(FrameAnswer(description=description, fields=_object(frame_fields)))
        else:
            answers.append(FrameAnswer(error="empty description", code=EMPTY_DESCRIPTION))
    return answers


def is_invalid_input(error: object) -> bool:
    """True when a job's `error` is the worker's rejection of a request wrong as a whole."""
    return isinstance(error, str) and error.startswith(INVALID_INPUT)


def _list(output: dict, key: str, default: list) -> list:
    value = output.get(key, default)
    if not isinstance(value, list):
        raise OutputError(f"{key} is not a list")
    return value


def _parallel(output: dict, key: str, failed: list) -> list:
    if key not in output:
        return [None] * len(failed)
    value = _list(output, key, [])
    if len(value) != len(failed):
        raise OutputError(f"{key} and failed_indices do not match")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _code(value: object) -> str | None:
    # A code newer than this side knows is kept as it is: `is_retryable` says no to it.
    return value if isinstance(value, str) and value else None


def _object(value: object) -> dict | None:
    return value if isinstance(value, dict) else None
