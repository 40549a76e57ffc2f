"""Every failure code the worker can emit is in the contract's table, on the generated docs page, and decided
the same way by the clients.

The worker's code references are read from its source, so a new `codes.X` at a raise site that
the table lacks fails here rather than in a caller's retry logic.
"""

from __future__ import annotations

import ast

from frame_contract import codes
from frame_contract.codes import CLIENT_CODES, WORKER_CODES, is_retryable
from testkit.local_api import REPO


def codes_used_by(package: str) -> set[str]:
    used = set()
    for path in (REPO / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "codes"
            ):
                value = getattr(codes, node.attr)
                if isinstance(value, str):
                    used.add(value)
    return used


def test_the_worker_emits_exactly_the_codes_of_the_table():
    assert codes_used_by("frame_describer") == set(WORKER_CODES)


def test_worker_and_client_codes_do_not_overlap():
    assert not set(WORKER_CODES) & set(CLIENT_CODES)


def test_every_code_is_retried_exactly_when_the_table_says_so():
    for code in [*WORKER_CODES.values(), *CLIENT_CODES.values()]:
        assert is_retryable(code.name) == code.retryable, code.name
    assert not is_retryable("a_code_from_a_newer_worker")


def test_the_failure_codes_page_lists_every_code_with_its_retry_rule():
    page = (REPO / "docs" / "failure-codes.md").read_text()
    for code in [*WORKER_CODES.values(), *CLIENT_CODES.values()]:
        assert f"| `{code.name}` | {'yes' if code.retryable else 'no'} | {code.meaning} |" in page, code.name
