"""`measure_frame`'s answer: only the kinds asked (the job parser reads `measure` into kinds)."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from frame_describer.errors import MeasureError
from frame_describer.measure import measure_frame


@pytest.mark.parametrize("kinds", [("colour",), ("exposure",), ("colour", "exposure")])
def test_a_frame_is_measured_for_only_the_kinds_asked(kinds):
    result = measure_frame(Image.new("RGB", (64, 36), (30, 60, 90)), kinds)
    assert set(result) == set(kinds)
    json.dumps(result)  # JSON-ready as it is


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown measurement kinds"):
        measure_frame(Image.new("RGB", (8, 8)), ["faces"])


def test_something_that_is_not_a_frame_is_a_measure_error():
    with pytest.raises(MeasureError):
        measure_frame(b"\xff\xd8", ["exposure"])
