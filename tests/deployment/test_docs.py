"""The docs hold together: a README read in one sitting, every relative link and anchor alive.

Links are checked as GitHub renders them: a relative link must name a file of the repository,
and an `#anchor` a heading of the page it points at, slugged by GitHub's rules (lower case,
punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats). Nothing is rendered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testkit.local_api import REPO

README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md")), REPO / "clients" / "typescript" / "README.md"]
MAX_README_LINES = 250

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"`[^`]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def prose_lines(text: str) -> list[str]:
    """The lines of a markdown text outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading's text (before repeats are numbered)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = text.replace("`", "").replace("*", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of a markdown page, repeated headings numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    found = set()
    for line in prose_lines(page.read_text()):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    """The targets of a page's links that point inside the repository."""
    targets = []
    for line in prose_lines(page.read_text()):
        targets += [t for t in LINK.findall(INLINE_CODE.sub("", line)) if not SCHEME.match(t)]
    return targets


def broken_links(page: Path) -> list[str]:
    """Each relative link of the page that leads to no file, or to no heading of its file."""
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no such heading in {resolved.name}")
    return broken


def test_the_readme_is_read_in_one_sitting():
    assert len(README.read_text().splitlines()) <= MAX_README_LINES


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_of_a_page_leads_to_a_file_and_heading_there(page):
    assert broken_links(page) == []


def test_the_readme_names_the_command_ci_runs():
    ci = (REPO / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines() if line.strip().startswith("bash scripts/")]
    assert commands, ".ci/run runs no script"
    readme = README.read_text()
    for command in commands:
        assert f"`.ci/run` runs `{command}`" in readme, command


def test_headings_get_githubs_anchors():
    assert slug("Scenes: one description per shot") == "scenes-one-description-per-shot"
    assert slug('Structured output: `"output": "fields"`') == "structured-output-output-fields"
    assert slug("Run `describe_frames` (Python)") == "run-describe_frames-python"
    assert slug("Frame describer — a worker") == "frame-describer--a-worker"


def test_a_link_to_a_missing_page_or_heading_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## Same\n\n## Same\n\n```\n# not a heading\n```\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[a](other.md#same-1) [b](other.md#same-2) [c](missing.md) [d](#top) [e](other.md#not-a-heading)\n"
        "`[f](in-code.md)` [g](https://example.com/nowhere) [h](other.md)\n"
    )
    assert broken_links(page) == [
        "other.md#same-2: no such heading in other.md",
        "missing.md: no such file",
        "#top: no such heading in page.md",
        "other.md#not-a-heading: no such heading in other.md",
    ]
