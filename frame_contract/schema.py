"""JSON Schemas of the contract, shipped with both clients: `schemas()` gives each file's text.

`job-output.schema.json` is a job's output as `output.py` builds and reads it (or the whole-job
`{"error": ...}` of a request wrong as a whole). The files live in `frame_contract/schemas/` and,
the same bytes, in `clients/typescript/schemas/`; `tests/contract/test_generated_contract.py`
fails when either differs from what this writes now.

    python -m frame_contract.schema      # rewrites both folders
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .codes import CLIENT_CODES, WORKER_CODES
from .output import INVALID_INPUT, KEYS

FOLDERS = (Path("frame_contract/schemas"), Path("clients/typescript/schemas"))
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


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
    return {"job-output.schema.json": _text(output_schema())}


def _text(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(root: Path = Path(".")) -> None:
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, text in schemas().items():
            (root / folder / name).write_text(text, encoding="utf-8")
            sys.stderr.write(f"wrote {root / folder / name}\n")


if __name__ == "__main__":
    main()
