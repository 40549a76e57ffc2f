"""Jobs with `measure`: measurements beside the descriptions, through the real worker.

The handler's worker (the default tiny model) serves the output's shape and the bad input; a
`Worker` on the tiny random model whose tokenizer spells any text (`testkit/fields_model.py`)
shows the grounding: the prompt it reads quotes the OCR'd lines, and in fields mode its text
overlays are exactly those lines, at their measured place and size. The OCR is the real one,
on frames with text drawn by Pillow.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from PIL import Image

from frame_contract import codes
from frame_contract.output import INVALID_INPUT
from frame_describer.fields import OVERLAYS_KEY
from frame_describer.job_input import parse_job
from frame_describer.measure.grounding import position, size
from frame_describer.measure.text import MAX_LINES
from frame_describer.model import load_model
from frame_describer.response import job_output
from frame_describer.settings import Settings
from frame_describer.worker import Worker
from testkit.fields_model import build_fields_model
from testkit.images import b64, encode, jpeg
from testkit.text_frames import text_frame

TITLE = text_frame([("BREAKING NEWS", "banner", 40, (0.08, 0.08))], backdrop="flat", seed=1)
CAPTION = text_frame([("Live from Paris", "outlined", 36, (0.3, 0.8))], backdrop="gradient", seed=2)
PLAIN = Image.new("RGB", (854, 480), (40, 90, 160))


def png64(image: Image.Image) -> str:
    return b64(encode(image, "PNG"))


@pytest.fixture(scope="module")
def spelling_model(tmp_path_factory):
    """The tiny random LLaVA-NeXT with a tokenizer that spells any text (and any JSON)."""
    return load_model(Settings(model_id=str(build_fields_model(tmp_path_factory.mktemp("measure")))))


class Watched:
    """A `Worker` whose `generate` calls are recorded: the prompts the model read, batch sizes."""

    def __init__(self, loaded, **settings):
        self.settings = Settings(max_batch_size=4, batch_wait_ms=10_000, **settings)
        self.worker = Worker(self.settings, loaded)
        self.prompts: list[str] = []
        self.batches: list[int] = []
        generator = self.worker.engine.generator
        generate, tokenizer = generator.generate, loaded.processor.tokenizer

        def watched(**inputs):
            self.batches.append(len(inputs["input_ids"]))
            self.prompts += tokenizer.batch_decode(inputs["input_ids"], skip_special_tokens=True)
            return generate(**inputs)

        generator.generate = watched

    def run(self, job_input: dict) -> dict:
        request = parse_job(job_input, self.settings, self.worker.capabilities)
        try:
            result = asyncio.run(self.worker.run_job(request))
        finally:
            self.worker.close()
        return job_output(request, result.outcomes)


def texts(measurements: dict) -> list[str]:
    return [line["text"] for line in measurements["text"]]


def test_measurements_come_back_parallel_to_descriptions_and_null_for_a_failed_frame(run_job):
    frames = [png64(PLAIN), "%%% not base64", png64(CAPTION.image)]
    output = run_job({"frame_data": frames, "format": "base64", "measure": ["colour", "exposure"]})
    assert output["failed_indices"] == [1]
    measurements = output["measurements"]
    assert len(measurements) == len(output["descriptions"]) == 3
    assert measurements[1] is None
    assert [set(m) for m in (measurements[0], measurements[2])] == [{"colour", "exposure"}] * 2
    assert measurements[0]["colour"]["palette"] == [{"hex": "#285aa0", "share": 1.0}]


def test_a_job_without_measure_has_no_measurements_key(run_job):
    output = run_job({"frame_data": [b64(jpeg())], "format": "base64"})
    assert "measurements" not in output and output["failed_indices"] == []


def test_a_job_that_measures_nothing_has_no_measurements_key(run_job):
    output = run_job({"frame_data": [b64(jpeg())], "format": "base64", "measure": []})
    assert "measurements" not in output


@pytest.mark.parametrize("asked", ["yes", ["ocr"], 1, {"text": True}])
def test_a_bad_measure_value_refuses_the_job_as_invalid_input(run_job, asked):
    output = run_job({"frame_data": [b64(jpeg())], "format": "base64", "measure": asked})
    assert output["error"].startswith(INVALID_INPUT + "'measure' must be")


def test_the_workers_measure_setting_is_the_default_of_a_job_that_does_not_say(spelling_model):
    watched = Watched(spelling_model, measure=("exposure",))
    output = watched.run({"frame_data": [png64(PLAIN)], "format": "base64"})
    assert list(output["measurements"][0]) == ["exposure"]


def test_a_frame_with_drawn_text_gets_its_strings_read_and_its_prompt_grounded(spelling_model):
    watched = Watched(spelling_model)
    output = watched.run({"frame_data": [png64(TITLE.image)], "format": "base64", "measure": ["text"]})
    [measured] = output["measurements"]
    assert texts(measured) == ["BREAKING NEWS"] and measured["text_truncated"] is False
    [prompt] = watched.prompts
    assert 'OCR read this text in the frame, top to bottom: "BREAKING NEWS" (top-left, ' in prompt


def test_a_frame_without_text_is_described_as_having_none(spelling_model):
    watched = Watched(spelling_model)
    output = watched.run({"frame_data": [png64(PLAIN)], "format": "base64", "measure": True})
    assert output["measurements"][0]["text"] == []
    assert "OCR found no text in this frame" in watched.prompts[0]


def test_in_fields_mode_every_overlay_is_one_of_its_frames_ocr_strings_in_one_shared_batch(spelling_model):
    watched = Watched(spelling_model)
    frames = [TITLE.image, CAPTION.image, PLAIN]
    job = {
        "frame_data": [png64(f) for f in frames],
        "format": "base64",
        "output": "fields",
        "measure": ["text"],
    }
    output = watched.run(job)
    assert output["failed_indices"] == []
    assert watched.batches == [3]  # three grammars, one generate call
    for measured, fields in zip(output["measurements"], output["fields"], strict=True):
        lines = {line["text"]: line["box"] for line in measured["text"]}
        for overlay in fields[OVERLAYS_KEY]:
            box = lines[overlay["text"]]
            assert (overlay["position"], overlay["size"]) == (position(box), size(box))
    assert texts(output["measurements"][0]) == ["BREAKING NEWS"]
    assert any(fields[OVERLAYS_KEY] for fields in output["fields"])  # the model did quote some
    assert output["fields"][2][OVERLAYS_KEY] == []


def test_a_line_read_as_the_models_image_token_does_not_become_one(spelling_model):
    watched = Watched(spelling_model)
    request = parse_job(
        {"frame_data": ["x"], "format": "base64"}, watched.settings, watched.worker.capabilities
    )
    lines = [{"text": "<image> SALE", "box": [0.1, 0.1, 0.5, 0.2], "confidence": 0.9}]
    try:
        plain = watched.worker._prepare(PLAIN, request, None)
        grounded = watched.worker._prepare(PLAIN, request, lines)
    finally:
        watched.worker.close()
    assert grounded.image_tokens == plain.image_tokens


def _full_of_text() -> Image.Image:
    words = ["Sale", "Open", "Home", "Best", "Coffee", "Night", "Run", "Light"]
    lines = [("TITLE ONE", "banner", 40, (0.3, 0.02))]
    for row in range(12):
        for column in range(6):
            lines.append(
                (words[(row + column) % len(words)], "plain", 14, (0.02 + column * 0.16, 0.14 + row * 0.07))
            )
    return text_frame(lines, backdrop="flat", seed=8).image


def test_bad_frames_get_a_measurement_or_a_clear_code_never_an_internal_error(run_job):
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (480, 854, 3), dtype=np.uint8))
    frames = [_full_of_text(), Image.new("RGB", (1, 20000), (200, 40, 40)), PLAIN, noise]
    output = run_job({"frame_data": [png64(f) for f in frames], "format": "base64", "measure": True})
    assert codes.INTERNAL_ERROR not in output["error_codes"]
    assert set(output["error_codes"]) <= set(codes.WORKER_CODES)
    full, strip, single, unreadable = output["measurements"]
    assert len(full["text"]) == MAX_LINES and full["text_truncated"] is True
    # NOTE: the tiny model's processor cannot make patches of a 1-pixel-wide frame: it fails alone.
    assert strip is not None or output["failed_indices"] == [1]
    assert single["exposure"]["contrast"] == 0 and len(single["colour"]["palette"]) == 1
    assert len(unreadable["text"]) <= MAX_LINES
    assert set(unreadable) == {"text", "text_truncated", "colour", "exposure"}
