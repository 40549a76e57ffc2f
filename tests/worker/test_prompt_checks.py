"""A prompt the processor would refuse or misread fails the job at once with a clear sentence."""

from __future__ import annotations

import pytest

from frame_contract.output import INVALID_INPUT
from testkit.images import b64, jpeg


@pytest.mark.parametrize(
    ("prompt", "sentence"),
    [
        ("Describe <image> again.", "'prompt' must not contain the model's special token '<image>'."),
        ("Stop here </s> and go on.", "'prompt' must not contain the model's special token '</s>'."),
        ("Broken \ud800 text.", "'prompt' is not valid Unicode text (it holds a lone surrogate)."),
    ],
    ids=["image-placeholder", "end-of-sequence", "lone-surrogate"],
)
def test_a_prompt_the_processor_cannot_take_fails_the_job_with_one_sentence(run_job, prompt, sentence):
    output = run_job({"frame_data": [b64(jpeg())], "format": "base64", "prompt": prompt})
    assert output == {"error": INVALID_INPUT + sentence}


def test_a_prompt_that_mentions_images_in_words_is_fine(run_job):
    output = run_job({"frame_data": [b64(jpeg())], "format": "base64", "prompt": "Describe the image."})
    assert output["failed_indices"] == []


def test_every_whole_job_error_starts_with_the_invalid_input_marker(run_job):
    assert run_job({"frame_urls": []})["error"].startswith(INVALID_INPUT)
