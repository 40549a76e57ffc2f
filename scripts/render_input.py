"""The job-input table of `docs/contract.md`, written from `frame_contract.job_input.JOB_INPUT`.

The page is prose by hand; only the block between `<!-- generated: job-input -->` and
`<!-- end generated -->` is rewritten, so the table never restates a key by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

from frame_contract.job_input import JOB_INPUT, InputKey

CONTRACT_PAGE = "docs/contract.md"
_BLOCK = re.compile(r"(<!-- generated: job-input -->\n).*?(<!-- end generated -->)", re.DOTALL)


def input_table() -> str:
    """One row per key: its name, JSON type, what it may hold, its default, its meaning."""
    rows = ["| key | type | may hold | absent | meaning |", "| --- | --- | --- | --- | --- |"]
    rows += [
        f"| `{key.name}` | {_type(key)} | {_holds(key)} | {_absent(key)} | {_cell(key.meaning)} |"
        for key in JOB_INPUT
    ]
    return "\n".join(rows) + "\n"


def contract_page(root: Path) -> str:
    """`docs/contract.md` with its job-input block rewritten from the declaration."""
    page = (root / CONTRACT_PAGE).read_text(encoding="utf-8")
    if not _BLOCK.search(page):
        raise ValueError(f"{CONTRACT_PAGE} has no '<!-- generated: job-input -->' block")
    return _BLOCK.sub(lambda m: m.group(1) + input_table() + m.group(2), page)


def _type(key: InputKey) -> str:
    types = (key.json_type,) if isinstance(key.json_type, str) else key.json_type
    return " or ".join(types)


def _holds(key: InputKey) -> str:
    parts = []
    if key.choices:
        parts.append(", ".join(f"`{choice}`" for choice in key.choices))
    if key.minimum is not None or key.maximum_setting:
        low = "" if key.minimum is None else str(key.minimum)
        high = f"`{key.maximum_setting}`" if key.maximum_setting else ""
        unit = " items" if "array" in _type(key) else (" characters" if key.json_type == "string" else "")
        parts.append(f"{low}..{high}{unit}")
    return "; ".join(parts) or "–"


def _absent(key: InputKey) -> str:
    if key.default_setting:
        return f"`{key.default_setting}`"
    if key.default is not None:
        return f"`{key.default}`"
    return "–"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
