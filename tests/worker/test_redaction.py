"""What the worker repeats of a caller's values: URLs without their secrets, other values cut short."""

from __future__ import annotations

import pytest

from frame_contract.output import INVALID_INPUT
from frame_describer import redact

HUGE = "x" * (9 * 1024 * 1024)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://bucket.s3.amazonaws.com/f/1.jpg?X-Amz-Signature=abc&X-Amz-Credential=k",
            "https://bucket.s3.amazonaws.com/f/1.jpg",
        ),
        ("http://user:password@frames.example:8080/a.png#token=t", "http://frames.example:8080/a.png"),
        ("http://[2001:db8::1]/a.png?sig=1", "http://[2001:db8::1]/a.png"),
        ("/a.png?sig=1", "/a.png"),
        ("http://[::1/a.png", "(malformed URL)"),
    ],
)
def test_a_url_is_shown_as_scheme_host_and_path_only(url, shown):
    assert redact.url(url) == shown


def test_a_url_with_a_huge_path_is_cut():
    assert len(redact.url(f"https://frames.example/{HUGE}")) <= redact.MAX_ECHO


@pytest.mark.parametrize("value", [HUGE, [HUGE], {"k": HUGE}, 12])
def test_an_echoed_value_is_cut_to_about_a_hundred_characters(value):
    assert len(redact.echo(value)) <= redact.MAX_ECHO


@pytest.mark.parametrize(
    "job_input",
    [
        {"frame_urls": ["http://frames.example/1.jpg"], "format": HUGE},
        {"frame_urls": ["http://frames.example/1.jpg"], HUGE: 1},
        {"frame_urls": ["http://frames.example/1.jpg"], **{f"{HUGE[:1000]}{i}": i for i in range(50)}},
        {"frame_urls": ["http://frames.example/1.jpg"], "detail": HUGE},
        {"frame_urls": ["http://frames.example/1.jpg"], "output": HUGE},
    ],
    ids=["format", "key", "many-keys", "detail", "output"],
)
def test_a_huge_value_in_a_bad_job_is_echoed_cut_short(run_job, job_input):
    error = run_job(job_input)["error"]
    assert error.startswith(INVALID_INPUT)
    assert len(error) < 1000


@pytest.mark.parametrize("prompt", ["\u200b\u200b", " \u200b\u2060 \ufeff\t", "\u200c\u200d\n"])
def test_a_prompt_of_only_zero_width_and_space_characters_is_invalid_input(run_job, prompt):
    output = run_job({"frame_urls": ["http://frames.example/1.jpg"], "prompt": prompt})
    assert output == {"error": f"{INVALID_INPUT}'prompt' must be a non-empty string."}
