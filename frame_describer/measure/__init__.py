"""Measured facts about a frame, made on the CPU beside the model's words.

Three kinds, each its own module: `text` (on-screen text by OCR), `colour` (the palette in
CIELAB) and `exposure` (the luma histogram). `measure_frame(image, kinds)` makes the ones asked
for and returns them as one JSON-ready dict; `parse_kinds` reads the job input's `measure`
value. `grounding` turns a text reading into prompt text and a per-frame fields grammar.

Nothing here touches the GPU; only `text` holds a model (loaded once, `text.load()`).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import colour, exposure, text
from .image import rgb_array

KINDS: tuple[str, ...] = ("text", "colour", "exposure")
TEXT_TRUNCATED_KEY = "text_truncated"


def parse_kinds(value: object) -> tuple[str, ...]:
    """The kinds a job's `measure` value asks for, in `KINDS` order: `true` is all of them, a
    list names some (`[]` none); anything else is a `ValueError` with one sentence to show."""
    expected = f"measure must be true or a list of {', '.join(repr(k) for k in KINDS)}"
    if value is True:
        return KINDS
    if not isinstance(value, list):
        raise ValueError(f"{expected}.")
    for index, kind in enumerate(value):
        if kind not in KINDS:
            raise ValueError(f"{expected}; entry {index} is not one of them.")
    return tuple(kind for kind in KINDS if kind in value)


def measure_frame(image, kinds: Iterable[str]) -> dict:
    """The measurements of `image` (a PIL image or an RGB array) for each of `kinds`:
    `{"text": [...], "text_truncated": bool, "colour": {...}, "exposure": {...}}`, with only the
    keys of the kinds asked. Raises `MeasureError` when a measurement cannot be made."""
    kinds = set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ValueError(f"unknown measurement kinds {sorted(unknown)}; the kinds are {list(KINDS)}")
    frame = rgb_array(image)
    result: dict = {}
    if "text" in kinds:
        reading = text.read_text(frame)
        result["text"] = reading.lines
        result[TEXT_TRUNCATED_KEY] = reading.truncated
    if "colour" in kinds:
        result["colour"] = colour.palette(frame)
    if "exposure" in kinds:
        result["exposure"] = exposure.exposure(frame)
    return result
