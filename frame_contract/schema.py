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

from .codes import CLIENT_CODES, WORKER_CODES
from .job_input import FRAMES_KEY, JOB_INPUT, MEASURE_KINDS, URL, InputKey
from .output import (
    EXPOSURE_KEYS,
    INVALID_INPUT,
    KEYS,
    MAX_PALETTE_COLOURS,
    MAX_TEXT_LINES,
    PALETTE_KEYS,
    TEXT_LINE_KEYS,
    TEXT_TRUNCATED,
)

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
    types = [key.json_type] if isinstance(key.json_type, str) else list(key.json_type)
    types += ["null"] if optional else []
    schema: dict = {"type": types[0] if len(types) == 1 else types}
    notes = [key.meaning]
    if "array" in types:
        schema["items"] = {"enum": list(key.choices)} if key.choices else {"type": "string"}
        if key.minimum is not None:
            schema["minItems"] = key.minimum
    elif "string" in types and key.minimum is not None:
        schema["minLength"] = key.minimum
        notes.append(f"At least {key.minimum} non-blank character(s).")
    elif "integer" in types and key.minimum is not None:
        schema["minimum"] = key.minimum
    if key.choices and "array" not in types:
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
            "measurements": {
                "type": "array",
                "items": {"oneOf": [_measurements_schema(), {"type": "null"}]},
                "description": "Only for jobs that measured (`measure`): one object per frame, null where "
                "it failed, with only the kinds the job asked for.",
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


def _measurements_schema() -> dict:
    """One frame's measurements: the kinds asked for (docs/measurements.md defines each figure)."""
    fraction = {"type": "number", "minimum": 0, "maximum": 1}
    line = {
        "type": "object",
        "required": list(TEXT_LINE_KEYS),
        "properties": {
            "text": {"type": "string"},
            "box": {**_array(fraction), "minItems": 4, "maxItems": 4, "description": "[x0, y0, x1, y1]"},
            "confidence": fraction,
        },
    }
    colour = {
        "type": "object",
        "required": list(PALETTE_KEYS),
        "properties": {"hex": {"type": "string", "pattern": "^#[0-9a-f]{6}$"}, "share": fraction},
    }
    text, colour_key, exposure = MEASURE_KINDS
    return {
        "type": "object",
        "properties": {
            text: {
                **_array(line),
                "maxItems": MAX_TEXT_LINES,
                "description": "The lines read by OCR, in reading order.",
            },
            TEXT_TRUNCATED: {"type": "boolean", "description": "More lines were found than were read."},
            colour_key: {
                "type": "object",
                "required": ["palette"],
                "properties": {"palette": {**_array(colour), "maxItems": MAX_PALETTE_COLOURS}},
            },
            exposure: {
                "type": "object",
                "required": list(EXPOSURE_KEYS),
                "properties": dict.fromkeys(EXPOSURE_KEYS, fraction),
            },
        },
        "dependentRequired": {text: [TEXT_TRUNCATED]},
        "additionalProperties": False,
    }


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def schemas() -> dict[str, str]:
    """Each schema file's name and text."""
    return {"job-input.schema.json": _text(input_schema()), "job-output.schema.json": _text(output_schema())}


def _text(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
