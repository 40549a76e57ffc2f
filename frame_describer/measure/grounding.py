"""Descriptions grounded in what was measured: a text line's place and size in words, the
prompt text that hands the model a frame's OCR'd strings, and that frame's fields overlays.

A line's `position` is the cell of a 3x3 grid that holds its box's centre (thirds of the
frame): `top-left`, `top-center`, `top-right`, `middle-left`, `center`, `middle-right`,
`bottom-left`, `bottom-center`, `bottom-right`. Its `size` is a band of the box's height as a
share of the frame's (the OCR box is about 1.3 to 1.6 times the letters' cap height):
`small` under 0.05 (captions, credits), `medium` under 0.10 (subtitles), `large` under 0.20
(titles), `very large` from 0.20 (a word filling the frame).

In `output: "fields"`, `overlays(lines)` are the only `text_overlays` a frame's grammar allows
(`FieldsGrammar.for_frame(overlays(lines))`): the text, size and position are the measured
ones and only the font is the model's.
"""

from __future__ import annotations

import json

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "center", "right")
# (upper bound of the box's height as a share of the frame's, band), smallest first
SIZE_BANDS: tuple[tuple[float, str], ...] = ((0.05, "small"), (0.10, "medium"), (0.20, "large"))
LARGEST_SIZE = "very large"
PROMPT_LINES = 12  # OCR'd strings quoted in a prompt, in reading order; more are summarised


def position(box: list[float]) -> str:
    """The 3x3 grid word of a box `[x0, y0, x1, y1]` (fractions of the frame), by its centre."""
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    row, column = ROWS[_third(y)], COLUMNS[_third(x)]
    if row == "middle" and column == "center":
        return "center"
    return f"{row}-{column}"


def size(box: list[float]) -> str:
    """The size band of a box `[x0, y0, x1, y1]` by its height, a share of the frame's."""
    height = box[3] - box[1]
    return next((band for bound, band in SIZE_BANDS if height < bound), LARGEST_SIZE)


def overlays(lines: list[dict]) -> list[dict]:
    """The fields overlays a frame's OCR lines allow: text, size and position of each line."""
    return [
        {"text": line["text"], "size": size(line["box"]), "position": position(line["box"])} for line in lines
    ]


def prompt_addition(lines: list[dict]) -> str:
    """Text to add to a frame's prompt so the description quotes the OCR'd strings exactly.

    The strings are frame content (not the caller's words), each quoted as a JSON string so
    a quote inside one cannot end it early.
    """
    if not lines:
        return "OCR found no text in this frame: do not describe any on-screen text."
    quoted = [
        f"{json.dumps(line['text'], ensure_ascii=False)} ({position(line['box'])}, {size(line['box'])})"
        for line in lines[:PROMPT_LINES]
    ]
    more = len(lines) - PROMPT_LINES
    tail = f"; and {more} more line{'s' if more > 1 else ''}" if more > 0 else ""
    return (
        "OCR read this text in the frame, top to bottom: "
        + "; ".join(quoted)
        + tail
        + ". Quote any text you mention exactly as given here, and do not invent other text."
    )


def _third(value: float) -> int:
    return min(2, max(0, int(value * 3)))
