"""The client policy and the scenarios as Markdown tables, for docs/client-policy.md.

`policy_tables()` and `scenario_table()` write the parts of that page that restate data, between
`<!-- generated: NAME -->` and `<!-- end generated -->` markers; `tests/contract/
test_generated_contract.py` fails when the page differs from what they write now.

    python scripts/generate.py   # rewrites the generated parts of docs/client-policy.md, and the rest
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

from .codes import TRANSIENT_HTTP_STATUSES
from .policy import (
    FINAL_STATES,
    JOB_ENDINGS,
    KEY_REFUSED_STATUSES,
    NO_ENDPOINT_STATUS,
    POLICY,
    SCALED_DURATIONS,
    WAITING_STATES,
    ClientPolicy,
)
from .typescript import ts_name, ts_value

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n).*?(<!-- end generated -->)", re.DOTALL)


def policy_tables() -> str:
    """The policy's numbers, its HTTP and state rules, and its job endings."""
    comments = _field_comments()
    rows = [
        "| setting | Python (`ClientOptions`, `describe_frames`) | TypeScript | default | scaled |",
        "| --- | --- | --- | --- | --- |",
    ]
    for field in fields(ClientPolicy):
        value = getattr(POLICY, field.name)
        shown = (
            f"{value:g} s"
            if field.name.endswith("_s")
            else f"{value:g}"
            if isinstance(value, float)
            else value
        )
        rows.append(
            f"| {comments[field.name]} | `{field.name}` | `{ts_name(field.name)}` "
            f"({ts_value(field.name, value)}) | {shown} | {'yes' if field.name in SCALED_DURATIONS else ''} |"
        )
    statuses = ", ".join(str(s) for s in sorted(TRANSIENT_HTTP_STATUSES))
    refused = ", ".join(str(s) for s in sorted(KEY_REFUSED_STATUSES))
    rules = [
        "",
        "| endpoint answer | what the client does |",
        "| --- | --- |",
        f"| connection refused, reset or timed out; HTTP {statuses} | the call is retried in place "
        "with backoff (Retry-After honoured up to the cap) for the outage window, then the attempt "
        "ends `unreachable` |",
        f"| HTTP {refused} (any call) | the API key is refused: the run stops, every unsettled frame "
        "`run_aborted`, command exit 3 |",
        f"| HTTP {NO_ENDPOINT_STATUS} on `/run` | no such endpoint: the run stops as above |",
        f"| HTTP {NO_ENDPOINT_STATUS} on `/status` | the attempt ends `job_unknown` |",
        "| any other HTTP status | the attempt ends `request_refused` |",
        f"| 200 with status {', '.join(f'`{s}`' for s in WAITING_STATES)} | polled again after the poll "
        "interval, until the job timeout |",
        f"| 200 with a final status ({', '.join(f'`{s}`' for s in FINAL_STATES)}) | the attempt ends: "
        "COMPLETED with a readable output gives each frame its answer, the rest is an ending below |",
        "| 200 that is not JSON, or without a known status (on `/status`) | polled again; the attempt "
        "ends `unusable_answers` after `max_unusable_answers` in a row |",
    ]
    endings = [
        "",
        "| ending | run the job again | then each frame alone | frames' code | when |",
        "| --- | --- | --- | --- | --- |",
    ]
    for ending in JOB_ENDINGS.values():
        endings.append(
            f"| `{ending.name}` | {_yes(ending.run_again)} | {_yes(ending.frames_alone)} | "
            f"`{ending.code}` | {ending.meaning} |"
        )
    return "\n".join(rows + rules + endings) + "\n"


def scenario_table() -> str:
    """One row per conformance scenario: what the endpoint does and what a client must reach."""
    rows = ["| scenario | endpoint behaviour and expected result | exit |", "| --- | --- | --- |"]
    for path in sorted(SCENARIOS.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        rows.append(f"| `{path.stem}` | {scenario['about']} | {scenario['expect']['exit_code']} |")
    return "\n".join(rows) + "\n"


GENERATORS = {"policy": policy_tables, "scenarios": scenario_table}


def render(page: str) -> str:
    """`page` with every generated block rewritten from the contract."""
    return _BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group(2)]() + m.group(3), page)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _field_comments() -> dict[str, str]:
    """Each policy field's trailing comment in policy.py: the field's meaning, written once."""
    source = (Path(__file__).parent / "policy.py").read_text(encoding="utf-8")
    found = dict(re.findall(r"^    (\w+): \w+ = [^#\n]+# (.+)$", source, re.MULTILINE))
    return {field.name: found.get(field.name, field.name.replace("_", " ")) for field in fields(ClientPolicy)}
