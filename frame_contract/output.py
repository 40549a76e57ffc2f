"""A job's output, built by the worker and read back by clients: one definition of its shape.

    {"descriptions": [...], "failed_indices": [...], "errors": [...], "error_codes": [...],
     "count": N}                                  and, for `output: fields` jobs, "fields": [...]
                                                  and, for jobs that measured, "measurements": [...]

`descriptions` has exactly one string per input frame, in input order; a failed frame's is
`""`, so a caller that ignores `failed_indices` never stores an error as a description.
`errors` (human text) and `error_codes` (`codes.py`) are parallel to `failed_indices`.
`fields` has one object per frame, `null` where the frame failed; so has `measurements`, each
object holding only the kinds the job asked for (`job_input.MEASURE_KINDS`):

    {"text": [{"text": "SALE", "box": [x0, y0, x1, y1], "confidence": 0.99}, ...],
     "text_truncated": false, "colour": {"palette": [{"hex": "#rrggbb", "share": 0.5}, ...]},
     "exposure": {"mean": ..., "highlights_clipped": ..., "shadows_crushed": ..., "contrast": ...}}
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
# The keys of one frame's measurements: one per kind, and whether the text lines were capped.
TEXT_TRUNCATED = "text_truncated"
PALETTE_KEYS = ("hex", "share")
EXPOSURE_KEYS = ("mean", "highlights_clipped", "shadows_crushed", "contrast")
TEXT_LINE_KEYS = ("text", "box", "confidence")
MAX_TEXT_LINES = 50  # lines read per frame; a frame with more reports `text_truncated`
MAX_PALETTE_COLOURS = 6


@dataclass(frozen=True)
class FrameAnswer:
    """One frame's answer: its `description` (and `fields`, `measurements`), or the `error` and
    `code` of its failure."""

    description: str | None = None
    error: str | None = None
    code: str | None = None
    fields: dict | None = None
    measurements: dict | None = None

    @property
    def ok(self) -> bool:
        return self.description is not None


class OutputError(ValueError):
    """An output does not have the contract's shape; the message says how."""


def build_output(
    answers: Sequence[FrameAnswer], with_fields: bool = False, with_measurements: bool = False
) -> dict:
    """The output over `answers`, one per frame in order; `fields` only when `with_fields`,
    `measurements` only when `with_measurements` (a job that measured)."""
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
    if with_measurements:
        output["measurements"] = [answer.measurements if answer.ok else None for answer in answers]
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
    fields = _per_frame(output, "fields", count)
    measurements = _per_frame(output, "measurements", count)
    reasons = {index: (errors[n], codes[n]) for n, index in enumerate(failed)}
    answers = []
    for index, description in enumerate(descriptions):
        if index in reasons:
            error, code = reasons[index]
            answers.append(FrameAnswer(error=_text(error) or "failed without a reason", code=_code(code)))
        elif isinstance(description, str) and description.strip():
            answers.append(
                FrameAnswer(
                    description=description,
                    fields=_object(fields[index]),
                    measurements=_object(measurements[index]),
                )
            )
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


def _per_frame(output: dict, key: str, count: int) -> list:
    """A list with one entry per frame (`fields`, `measurements`); all None when absent."""
    value = output.get(key)
    if value is None:
        return [None] * count
    if not isinstance(value, list) or len(value) != count:
        raise OutputError(f"expected {count} entries in {key}")
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
