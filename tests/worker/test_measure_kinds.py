"""The job input's `measure` value and `measure_frame`'s answer: only the kinds asked."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from frame_describer.errors import MeasureError
from frame_describer.measure import KINDS, measure_frame, parse_kinds


def test_true_asks_for_every_kind():
    assert parse_kinds(True) == KINDS == ("text", "colour", "exposure")


def test_a_list_asks_for_its_kinds_in_the_canonical_order():
    assert parse_kinds(["exposure", "colour", "exposure"]) == ("colour", "exposure")


def test_an_empty_list_asks_for_nothing():
    assert parse_kinds([]) == ()


@pytest.mark.parametrize("value", [False, "text", 1, None, {"text": True}, ["text", "faces"], [["text"]]])
def test_anything_else_is_one_clear_sentence(value):
    with pytest.raises(ValueError, match=r"^measure must be true or a list of 'text', 'colour', 'exposure'"):
        parse_kinds(value)


def test_an_unknown_entry_is_named_by_its_place_not_echoed():
    with pytest.raises(ValueError) as caught:
        parse_kinds(["colour", "https://example.com/secret-signed-url"])
    assert "entry 1" in str(caught.value) and "secret" not in str(caught.value)


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
