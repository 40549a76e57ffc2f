"""The files generated from the contract are what their functions write now, and say what it says."""

from __future__ import annotations

import inspect
import json

import jsonschema
import pytest

from frame_client import ClientOptions, describe_frames
from frame_contract.output import FrameAnswer, build_output
from frame_contract.policy import POLICY, SCALED_DURATIONS
from frame_contract.policy_doc import render
from frame_contract.schema import input_schema, output_schema, schemas
from frame_contract.typescript import typescript_constants
from scripts.generate import CLIENT_POLICY_PAGE as POLICY_PAGE
from scripts.generate import SCHEMA_FOLDERS as FOLDERS
from scripts.generate import TYPESCRIPT_CONSTANTS as TARGET
from testkit.local_api import REPO

REGENERATE = "stale: run `.venv/bin/python scripts/generate.py`"


def test_the_typescript_constants_are_what_the_contract_generates_now():
    assert (REPO / TARGET).read_text(encoding="utf-8") == typescript_constants(), REGENERATE


@pytest.mark.parametrize("folder", FOLDERS, ids=str)
def test_every_shipped_schema_is_what_the_contract_generates_now(folder):
    shipped = {path.name: path.read_text(encoding="utf-8") for path in (REPO / folder).glob("*.schema.json")}
    assert shipped == schemas(), REGENERATE


def test_the_output_schema_accepts_what_the_worker_builds_and_refuses_a_short_output():
    validator = jsonschema.Draft202012Validator(output_schema())
    answers = [
        FrameAnswer(description="Wide shot.", fields={"shot": "wide"}),
        FrameAnswer(error="x", code="y"),
    ]
    validator.validate(build_output(answers, with_fields=True))
    measured = FrameAnswer(
        description="A title card.",
        measurements={
            "text": [{"text": "SALE", "box": [0.1, 0.1, 0.5, 0.3], "confidence": 0.99}],
            "text_truncated": False,
            "colour": {"palette": [{"hex": "#c81e28", "share": 1.0}]},
            "exposure": {"mean": 0.4, "highlights_clipped": 0.0, "shadows_crushed": 0.1, "contrast": 0.7},
        },
    )
    validator.validate(build_output([measured, FrameAnswer(error="x", code="y")], with_measurements=True))
    validator.validate({"error": "Invalid input: 'frame_urls' is empty."})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"descriptions": ["Wide shot."], "count": 1})


def test_the_python_client_takes_its_defaults_from_the_policy():
    defaults = inspect.signature(describe_frames).parameters
    assert (defaults["batch_size"].default, defaults["concurrency"].default) == (5, 10)
    assert (POLICY.batch_size, POLICY.concurrency) == (5, 10)
    options = ClientOptions()
    for name in ("outage_s", "job_timeout_s", "poll_interval_s", "job_retries", "max_backoff_s"):
        assert getattr(options, name) == getattr(POLICY, name), name


def test_a_time_scale_shortens_exactly_the_policys_scaled_durations():
    scaled = ClientOptions().scaled(0.01)
    for name in SCALED_DURATIONS:
        assert getattr(scaled, name) == pytest.approx(getattr(POLICY, name) * 0.01), name
    assert scaled.request_timeout_s == POLICY.request_timeout_s


def test_the_typescript_policy_holds_every_duration_in_milliseconds():
    text = typescript_constants()
    policy = json.loads(text.split("export const POLICY = ", 1)[1].split(" as const;", 1)[0])
    assert policy["outageMs"] == POLICY.outage_s * 1000
    assert policy["batchSize"] == POLICY.batch_size


def test_the_policy_page_holds_the_tables_the_contract_generates_now():
    page = (REPO / POLICY_PAGE).read_text(encoding="utf-8")
    assert page == render(page), REGENERATE
    assert "| `outage_20s` |" in page


# Within the settings' limits, the schema and the worker's parser must agree on every one of these.
INPUTS = [
    ({"frame_urls": ["https://cdn.example.com/1.jpg"]}, True),
    ({"frame_data": ["aGVsbG8="], "format": "base64", "prompt": "Read the text.", "output": "fields"}, True),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "format": None, "detail": "low"}, True),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "max_new_tokens": 200}, True),
    ({"frame_data": ["aGVsbG8="]}, False),
    (
        {"frame_urls": ["https://cdn.example.com/1.jpg"], "frame_data": ["aGVsbG8="], "format": "base64"},
        False,
    ),
    ({"frame_urls": []}, False),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "output": "json"}, False),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "max_new_tokens": 0}, False),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "frames": []}, False),
    ({"prompt": "Describe."}, False),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": True}, True),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": ["exposure", "text"]}, True),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": False}, True),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": []}, True),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": "text"}, False),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": ["ocr"]}, False),
    ({"frame_urls": ["https://cdn.example.com/1.jpg"], "measure": 1}, False),
]


@pytest.mark.parametrize(("job_input", "valid"), INPUTS, ids=[json.dumps(i)[:60] for i, _ in INPUTS])
def test_the_input_schema_accepts_exactly_what_the_worker_accepts(job_input, valid):
    from frame_describer.errors import InvalidJob
    from frame_describer.job_input import ModelCapabilities, parse_job
    from frame_describer.settings import Settings

    in_schema = jsonschema.Draft202012Validator(input_schema()).is_valid(job_input)
    try:
        parse_job(job_input, Settings(), ModelCapabilities(family="Tiny", fields_min_new_tokens=120))
        by_worker = True
    except InvalidJob:
        by_worker = False
    assert (in_schema, by_worker) == (valid, valid)
