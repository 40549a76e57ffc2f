"""Whole-job validation: every request that is wrong as a whole gets one clear sentence."""

from __future__ import annotations

import pytest

from frame_describer.errors import InvalidJob
from frame_describer.job_input import parse_job
from frame_describer.prompt import DEFAULT_PROMPT
from frame_describer.settings import Settings

SETTINGS = Settings(max_frames_per_job=3, max_prompt_chars=50, max_new_tokens_limit=300)


def rejection(job_input) -> str:
    with pytest.raises(InvalidJob) as caught:
        parse_job(job_input, SETTINGS)
    return str(caught.value)


def test_input_that_is_not_an_object_is_rejected():
    assert "JSON object" in rejection(["http://x/a.jpg"])


def test_input_without_frames_is_rejected():
    assert "No frames" in rejection({})


def test_an_empty_frame_list_is_rejected():
    assert "empty" in rejection({"frame_urls": []})


def test_frames_that_are_not_a_list_are_rejected():
    assert "must be a list" in rejection({"frame_urls": "http://x/a.jpg"})


def test_both_frame_sources_at_once_are_rejected():
    assert "not both" in rejection({"frame_urls": ["a"], "frame_data": ["b"], "format": "base64"})


def test_base64_format_without_frame_data_is_rejected():
    assert "frame_data" in rejection({"frame_urls": ["a"], "format": "base64"})


def test_frame_data_without_base64_format_is_rejected():
    assert "'format': 'base64'" in rejection({"frame_data": ["abc"]})


def test_an_unknown_format_is_rejected():
    assert "'format'" in rejection({"frame_urls": ["a"], "format": "jpeg"})


def test_a_misspelt_key_is_caught():
    assert "'frame_url'" in rejection({"frame_url": ["http://x/a.jpg"]})


def test_a_prompt_that_is_not_text_is_rejected():
    assert "'prompt'" in rejection({"frame_urls": ["a"], "prompt": 5})


def test_a_blank_prompt_is_rejected():
    assert "'prompt'" in rejection({"frame_urls": ["a"], "prompt": "   "})


def test_a_prompt_over_the_limit_is_rejected():
    assert "at most 50" in rejection({"frame_urls": ["a"], "prompt": "x" * 51})


@pytest.mark.parametrize("value", [0, -1, 301, 2.5, "100", True])
def test_max_new_tokens_outside_its_bounds_is_rejected(value):
    assert "max_new_tokens" in rejection({"frame_urls": ["a"], "max_new_tokens": value})


def test_more_frames_than_the_limit_is_rejected():
    assert "at most 3" in rejection({"frame_urls": ["a"] * 4})


def test_bad_entries_do_not_make_the_job_invalid():
    request = parse_job({"frame_urls": [None, 7, "ftp://x"]}, SETTINGS)
    assert [f.value for f in request.frames] == [None, 7, "ftp://x"]


def test_the_default_prompt_and_token_budget_apply_when_not_given():
    request = parse_job({"frame_urls": ["a"]}, SETTINGS)
    assert request.prompt == DEFAULT_PROMPT
    assert request.generation.max_new_tokens == SETTINGS.default_max_new_tokens


def test_a_job_prompt_and_token_budget_replace_the_defaults():
    request = parse_job({"frame_urls": ["a"], "prompt": " Read the text. ", "max_new_tokens": 40}, SETTINGS)
    assert (request.prompt, request.generation.max_new_tokens) == ("Read the text.", 40)


def test_base64_frames_are_marked_as_base64():
    request = parse_job({"frame_data": ["abc"], "format": "base64"}, SETTINGS)
    assert request.frames[0].kind == "base64"
