"""Jobs with `"output": "fields"`: one object per frame through the worker's own batching.

A tiny random LLaVA-NeXT whose tokenizer can spell any JSON (byte fallback, `fields_model.py`)
serves these jobs through a `Worker`: the parse against its capabilities, the engine's batches,
constrained decoding and the output. The handler's own worker (the default tiny model) cannot
spell JSON, so it shows the refusal.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from frame_contract.output import INVALID_INPUT
from frame_describer.errors import InvalidJob
from frame_describer.fields import FIELD_KEYS, parse_fields
from frame_describer.job_input import parse_job
from frame_describer.model import load_model
from frame_describer.response import job_output
from frame_describer.settings import Settings
from frame_describer.worker import Worker
from testkit.fields_model import build_fields_model
from testkit.images import b64, encode, frame

FRAMES = [
    b64(encode(frame((20, 24, 46), (854, 480), "A"), "JPEG")),
    b64(encode(frame((200, 120, 40), (640, 480), "B"), "JPEG")),
    b64(encode(frame((10, 140, 60), (480, 640), "C"), "JPEG")),
    b64(encode(frame((240, 240, 250), (300, 200), "D"), "JPEG")),
]


@pytest.fixture(scope="module")
def fields_loaded(tmp_path_factory):
    return load_model(Settings(model_id=str(build_fields_model(tmp_path_factory.mktemp("fields")))))


def run(loaded, job_input: dict, batch_size: int = 4) -> dict:
    settings = Settings(max_batch_size=batch_size, batch_wait_ms=200)
    worker = Worker(settings, loaded)
    try:
        request = parse_job(job_input, settings, worker.capabilities)
        result = asyncio.run(worker.run_job(request))
    finally:
        worker.close()
    return job_output(request, result.outcomes)


def test_every_frame_of_a_batched_fields_job_is_one_object_of_the_schema(fields_loaded):
    output = run(fields_loaded, {"frame_data": FRAMES, "format": "base64", "output": "fields"})
    assert output["failed_indices"] == []
    for fields, description in zip(output["fields"], output["descriptions"], strict=True):
        assert list(fields) == list(FIELD_KEYS)
        assert parse_fields(json.dumps(fields)) == fields
        assert description  # the same fields as prose, for readers of `descriptions`


def test_a_fields_job_gives_the_same_objects_batched_and_alone(fields_loaded):
    job = {"frame_data": FRAMES, "format": "base64", "output": "fields"}
    together = run(fields_loaded, job)["fields"]
    alone = [run(fields_loaded, {**job, "frame_data": [f]}, batch_size=1)["fields"][0] for f in FRAMES]
    assert together == alone


def test_a_frame_that_fails_in_a_fields_job_is_null_with_its_error(fields_loaded):
    output = run(
        fields_loaded, {"frame_data": [FRAMES[0], "not base64!"], "format": "base64", "output": "fields"}
    )
    assert output["failed_indices"] == [1] and output["error_codes"] == ["invalid_base64"]
    assert output["fields"][1] is None and output["descriptions"][1] == ""
    assert list(output["fields"][0]) == list(FIELD_KEYS)


def test_a_fields_job_whose_token_budget_cannot_hold_an_object_fails_as_a_whole(fields_loaded):
    with pytest.raises(InvalidJob, match="needs 'max_new_tokens' of at least"):
        run(
            fields_loaded,
            {"frame_data": FRAMES[:1], "format": "base64", "output": "fields", "max_new_tokens": 50},
        )


def test_a_text_job_has_no_fields_key(fields_loaded):
    assert "fields" not in run(fields_loaded, {"frame_data": FRAMES[:1], "format": "base64"})


def test_a_model_that_cannot_spell_json_refuses_fields_jobs_with_a_reason(run_job):
    output = run_job({"frame_data": FRAMES[:1], "format": "base64", "output": "fields"})
    assert output["error"].startswith(INVALID_INPUT + "This model cannot give 'output': 'fields'")
