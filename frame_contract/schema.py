"""JSON Schemas of the contract, shipped with both clients: `schemas()` gives each file's text.

`job-input.schema.json` is a job's `input` as `job_input.py` declares it (the worker parses
job input from that same declaration); `job-output.schema.json` is a job's output as `output.py`
builds and reads it (or the whole-job `{"error": ...}` of a request wrong as a whole). Limits a
deployment sets (its settings) are named in descriptions, not fixed in the schema. The files
live in `frame_contract/schemas/` and, the same bytes, in `clients/typescript/schemas/`;
`tests/contract/test_generated_contract.py` fails when either differs from what this writes now.

    python scripts/generate.py   # rewrites both folders, with every other generated file
"""

from __future__ import annotations

import json
from pathlib import Path

from .codes import CLIENT_CODES, WORKER_CODES
from .job_input import FRAMES_KEY, JOB_INPUT, URL, InputKey
from .output import INVALID_INPUT, KEYS

FOLDERS = (Path("frame_contract/schemas"), Path("clients/typescript/schemas"))
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def input_schema() -> dict:
    """The schema of a job's `input`: every key of `JOB_INPUT`, and exactly one frame list."""
    frame_lists = set(FRAMES_KEY.values())
    one_source = [
        {
            "required": [frames] if kind == URL else [frames, "format"],
            "properties": {"format": {"enum": [kind, None]} if kind == URL else {"const": kind}},
            "not": {"anyOf": [{"required": [other]} for other in sorted(frame_lists - {frames})]},
        }
        for kind, frames in FRAMES_KEY.items()
    ]
    return {
        "$schema": _DIALECT,
        "$id": "job-input.schema.json",
        "title": "The input of one job of the frame-describing worker",
        "description": "The `input` of a RunPod `/run` body. Exactly one frame list: 'frame_urls', or "
        "'frame_data' with 'format': 'base64'. An option sent as null means the same as left out.",
        "type": "object",
        "properties": {key.name: _key_schema(key, optional=key.name not in frame_lists) for key in JOB_INPUT},
        "additionalProperties": False,
        "oneOf": one_source,
    }


def _key_schema(key: InputKey, optional: bool) -> dict:
    schema: dict = {"type": [key.json_type, "null"] if optional else key.json_type}
    notes = [key.meaning]
    if key.json_type == "array":
        schema["items"] = {"type": "string"}
        if key.minimum is not None:
            schema["minItems"] = key.minimum
    elif key.json_type == "string" and key.minimum is not None:
        schema["minLength"] = key.minimum
        notes.append(f"At least {key.minimum} non-blank character(s).")
    elif key.json_type == "integer" and key.minimum is not None:
        schema["minimum"] = key.minimum
    if key.choices:
        schema["enum"] = [*key.choices, *([None] if optional else [])]
    if key.default is not None:
        schema["default"] = key.default
    if key.default_setting:
        notes.append(f"Default: the worker's {key.default_setting}.")
    if key.maximum_setting:
        notes.append(f"At most the worker's {key.maximum_setting}.")
    schema["description"] = " ".join(notes)
    return schema


def output_schema() -> dict:
    """The schema of a job's output: per-frame results, or one whole-job error."""
    strings = {"type": "array", "items": {"type": "string"}}
    result = {
        "type": "object",
        "required": list(KEYS),
        "properties": {
            "descriptions": {
                **strings,
                "description": "One per input frame, in input order; a failed frame's is the empty string.",
            },
            "failed_indices": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "uniqueItems": True,
                "description": "0-based indices of the failed frames, ascending.",
            },
            "errors": {**strings, "description": "Human reasons, parallel to failed_indices."},
            "error_codes": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "description": "Stable codes, parallel to failed_indices. The worker's codes today: "
                + ", ".join(sorted(WORKER_CODES))
                + ". Newer workers may add codes: a reader keeps an unknown code and does not retry it.",
            },
            "count": {"type": "integer", "minimum": 0, "description": "The number of input frames."},
            "fields": {
                "type": "array",
                "items": {"type": ["object", "null"]},
                "description": "Only for `output: fields` jobs: one object per frame, null where it failed.",
            },
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "string",
                "description": f"The whole job failed. Starting with {INVALID_INPUT!r}: the request is wrong "
                "as a whole and fails the same way if sent again.",
            }
        },
    }
    return {
        "$schema": _DIALECT,
        "$id": "job-output.schema.json",
        "title": "The output of one job of the frame-describing worker",
        "description": "Per-frame results, or one whole-job error. Client-side failure codes ("
        + ", ".join(sorted(CLIENT_CODES))
        + ") never appear in a worker's output.",
        "oneOf": [result, error],
    }


def schemas() -> dict[str, str]:
    """Each schema file's name and text."""
    return {"job-input.schema.json": _text(input_schema()), "job-output.schema.json": _text(output_schema())}


def _text(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
