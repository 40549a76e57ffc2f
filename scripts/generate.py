"""Write every generated file of the repository, or check that none is stale.

    .venv/bin/python scripts/generate.py           # write them
    .venv/bin/python scripts/generate.py --check   # exit 1, naming each file that differs

`TARGETS` maps a path (relative to the repository root) to a function that takes the root and
returns that file's whole text. To generate another file, write such a function next to the
fact it renders and add one entry here; the drift test (`tests/deployment/test_generated.py`)
then covers it too.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file: the repository's packages are importable
    sys.path.insert(0, str(ROOT))

from frame_contract import policy_doc, schema, typescript  # noqa: E402
from scripts.render_codes import failure_codes_page  # noqa: E402
from scripts.render_input import CONTRACT_PAGE, contract_page  # noqa: E402
from scripts.render_settings import HUB_LISTING, configuration_page, hub_listing  # noqa: E402

# Where the contract's generated files go: the contract itself never names a client's files.
TYPESCRIPT_CONSTANTS = "clients/typescript/src/contract.generated.ts"
SCHEMA_FOLDERS = ("frame_contract/schemas", "clients/typescript/schemas")
CLIENT_POLICY_PAGE = "docs/client-policy.md"


def _client_policy_page(root: Path) -> str:
    # Hand-written prose with generated tables between markers: only the tables are rewritten.
    return policy_doc.render((root / CLIENT_POLICY_PAGE).read_text(encoding="utf-8"))


def _schema_target(name: str) -> Callable[[Path], str]:
    return lambda root: schema.schemas()[name]


TARGETS: dict[str, Callable[[Path], str]] = {
    HUB_LISTING: hub_listing,
    "docs/configuration.md": configuration_page,
    "docs/failure-codes.md": failure_codes_page,
    CONTRACT_PAGE: contract_page,
    TYPESCRIPT_CONSTANTS: lambda root: typescript.typescript_constants(),
    CLIENT_POLICY_PAGE: _client_policy_page,
    **{
        f"{folder}/{name}": _schema_target(name)
        for folder in SCHEMA_FOLDERS
        for name in sorted(schema.schemas())
    },
}

log = logging.getLogger("generate")


def rendered(root: Path = ROOT) -> dict[str, str]:
    """Every target's text as the command would write it now."""
    return {path: render(root) for path, render in TARGETS.items()}


def stale(root: Path = ROOT) -> list[str]:
    """The targets whose file is missing or differs from what would be written now."""
    return [
        path
        for path, text in rendered(root).items()
        if not (root / path).is_file() or (root / path).read_text() != text
    ]


def write(root: Path = ROOT) -> list[str]:
    """Write every stale target; return the paths written."""
    written = stale(root)
    texts = rendered(root)
    for path in written:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(texts[path])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.check:
        for path in stale(args.root):
            log.error("stale: %s (run .venv/bin/python scripts/generate.py)", path)
        return 1 if stale(args.root) else 0
    for path in write(args.root):
        log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
