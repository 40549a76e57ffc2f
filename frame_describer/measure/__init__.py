"""Measured facts about a frame, made on the CPU beside the model's words.

Three kinds, each its own module: `text` (on-screen text by OCR), `colour` (the palette in
CIELAB) and `exposure` (the luma histogram). `measure_frame(image, kinds)` makes the ones asked
for and returns them as one JSON-ready dict (the job parser reads the job input's `measure`
into those kinds). `grounding` turns a text reading into prompt text and a per-frame fields grammar.

Nothing here touches the GPU; only `text` holds a model (loaded once, `text.load()`).
"""

from __future__ import annotations

from collections.abc import Iterable

from frame_contract.job_input import COLOUR, EXPOSURE, MEASURE_KINDS, OCR_TEXT
from frame_contract.output import TEXT_TRUNCATED

from . import colour, exposure, text
from .image import rgb_array

KINDS: tuple[str, ...] = MEASURE_KINDS


def measure_frame(image, kinds: Iterable[str]) -> dict:
    """The measurements of `image` (a PIL image or an RGB array) for each of `kinds`:
    `{"text": [...], "text_truncated": bool, "colour": {...}, "exposure": {...}}`, with only the
    keys of the kinds asked. Raises `MeasureError` when a measurement cannot be made."""
    kinds = _known(kinds)
    frame = rgb_array(image)
    reading = text.read_text(frame) if OCR_TEXT in kinds else None
    return {**text_measurements(reading), **pixel_measurements(frame, kinds)}


def text_measurements(reading: text.TextReading | None) -> dict:
    """A text reading as the output carries it: `{"text": [...], "text_truncated": bool}`; `{}`
    for no reading."""
    return {} if reading is None else {OCR_TEXT: reading.lines, TEXT_TRUNCATED: reading.truncated}


def pixel_measurements(image, kinds: Iterable[str]) -> dict:
    """The measurements of `kinds` other than text (which needs the OCR): `colour`, `exposure`."""
    kinds = _known(kinds)
    frame = rgb_array(image)
    result: dict = {}
    if COLOUR in kinds:
        result[COLOUR] = colour.palette(frame)
    if EXPOSURE in kinds:
        result[EXPOSURE] = exposure.exposure(frame)
    return result


def _known(kinds: Iterable[str]) -> set[str]:
    kinds = set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ValueError(f"unknown measurement kinds {sorted(unknown)}; the kinds are {list(KINDS)}")
    return kinds
