"""The contract as TypeScript constants: `typescript_constants()` writes `contract.generated.ts`.

The TypeScript client imports its codes, retry rules and defaults from that file, never from
hand-written copies; `tests/contract/test_generated_contract.py` fails when the file differs from
what this writes now. Durations become milliseconds (`outage_s` -> `outageMs`), names camelCase.

    python scripts/generate.py   # rewrites clients/typescript/src/contract.generated.ts, and the rest
"""

from __future__ import annotations

import json
from dataclasses import asdict

from .codes import CLIENT_CODES, TRANSIENT_HTTP_STATUSES, WORKER_CODES
from .job_input import MEASURE_KINDS
from .output import INVALID_INPUT
from .policy import (
    FINAL_STATES,
    JOB_ENDINGS,
    KEY_REFUSED_STATUSES,
    NO_ENDPOINT_STATUS,
    POLICY,
    SCALED_DURATIONS,
    WAITING_STATES,
)


def ts_name(name: str) -> str:
    """A policy field's TypeScript name: camelCase, `_s` durations as `Ms`."""
    if name.endswith("_s"):
        name = name[:-2] + "_ms"
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def ts_value(name: str, value: float) -> int | float:
    """A policy value as TypeScript holds it: durations in whole milliseconds."""
    if name.endswith("_s"):
        return round(value * 1000)
    return int(value) if float(value).is_integer() else value


def typescript_constants() -> str:
    """The text of `contract.generated.ts`: codes, the client policy, the job endings, the marker."""
    codes = {
        code.name: {"owner": owner, "retryable": code.retryable, "meaning": code.meaning}
        for owner, table in (("worker", WORKER_CODES), ("client", CLIENT_CODES))
        for code in table.values()
    }
    policy = {ts_name(name): ts_value(name, value) for name, value in asdict(POLICY).items()}
    endings = {
        ending.name: {
            "runAgain": ending.run_again,
            "framesAlone": ending.frames_alone,
            "code": ending.code,
            "meaning": ending.meaning,
        }
        for ending in JOB_ENDINGS.values()
    }
    parts = [
        "// Generated from frame_contract/ (codes.py, policy.py, output.py, job_input.py) by",
        "// `.venv/bin/python scripts/generate.py`. Do not edit: change the Python declaration, regenerate.",
        "",
        "/** Who reports a failure code: the worker (in `error_codes`) or a client (its own failures). */",
        'export type CodeOwner = "worker" | "client";',
        "",
        "export interface CodeInfo {",
        "  readonly owner: CodeOwner;",
        "  /** The same frame may succeed if sent again (alone, later). */",
        "  readonly retryable: boolean;",
        "  readonly meaning: string;",
        "}",
        "",
        _const(
            "Every failure code; codes are only ever added, never renamed.",
            "CODES: Readonly<Record<string, CodeInfo>>",
            codes,
        ),
        _const(
            'HTTP statuses that say "not now": one call is retried in place for the outage window.',
            "TRANSIENT_HTTP_STATUSES: ReadonlySet<number>",
            sorted(TRANSIENT_HTTP_STATUSES),
            "new Set({})",
        ),
        _const(
            "The endpoint refuses the API key: the run stops.",
            "KEY_REFUSED_STATUSES: ReadonlySet<number>",
            sorted(KEY_REFUSED_STATUSES),
            "new Set({})",
        ),
        _const(
            "On /run: no such endpoint, the run stops. On /status: the job is lost (ending `job_unknown`).",
            "NO_ENDPOINT_STATUS",
            NO_ENDPOINT_STATUS,
        ),
        _const("Job states polled again.", "WAITING_STATES: readonly string[]", list(WAITING_STATES)),
        _const("Job states that end an attempt.", "FINAL_STATES: readonly string[]", list(FINAL_STATES)),
        _const(
            "How every worker error for a request wrong as a whole begins: such a job is never run again.",
            "INVALID_INPUT",
            INVALID_INPUT,
        ),
        _const(
            "What the worker can measure on a frame (the job input's `measure`), in its order.",
            "MEASURE_KINDS",
            list(MEASURE_KINDS),
            "{} as const",
        ),
        _const(
            "The client policy's numbers: every option's default (durations in ms).",
            "POLICY",
            policy,
            "{} as const",
        ),
        _const(
            "The durations a conformance scenario's `time_scale` multiplies.",
            "SCALED_DURATIONS: readonly (keyof typeof POLICY)[]",
            [ts_name(name) for name in SCALED_DURATIONS],
        ),
        "export interface JobEnding {",
        "  /** Another attempt of the same job may succeed. */",
        "  readonly runAgain: boolean;",
        "  /** Once the job is given up, send each of its frames again alone. */",
        "  readonly framesAlone: boolean;",
        "  /** The code its frames get when the job is given up. */",
        "  readonly code: string;",
        "  readonly meaning: string;",
        "}",
        "",
        _const(
            "Every way one attempt of a job can end without usable output, and what a client does then.",
            "JOB_ENDINGS: Readonly<Record<string, JobEnding>>",
            endings,
        ),
    ]
    return "\n".join(parts)


def _const(doc: str, declaration: str, value: object, wrap: str = "{}") -> str:
    literal = wrap.format(_literal(value))
    return f"/** {doc} */\nexport const {declaration} = {literal};\n"


def _literal(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
