"""The resume file: every settled frame appended as it settles, so a killed run loses nothing.

JSON lines. The first line says what the descriptions were asked with; every other line is one
settled frame, keyed by its content (`sha256:<hex>` of its bytes, or `url:<url>`):

    {"resume": 1, "prompt": null, "max_new_tokens": null}   (and "output" for fields runs,
                                                             "measure" for runs that measure)
    {"key": "sha256:9f2c...", "description": "Wide shot ...", "error": null, "code": null}
    {"key": "url:https://cdn.example.com/f2.jpg", "description": null, "error": "HTTP 404 ...",
     "code": "not_found"}

Each line is flushed when written. Reading it back, a torn last line (the process died while
writing it) and any other line that is not an entry are skipped. A frame is *settled*, and never
sent again, when a line describes it or fails it with a code that is not retryable
(`frame_contract.codes`); a frame whose lines only failed it retryably is sent again. A file
written with another prompt, token limit, output mode or measure is refused rather than mixed
into this run. A fields run keeps each frame's `fields` too, and a frame measured its
`measurements`. docs/client-policy.md specifies the format field by field: the TypeScript client
reads and writes the same files.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import IO

from frame_contract.codes import is_retryable

from .failures import ConfigError
from .jobs import JobAsk
from .results import FrameResult

log = logging.getLogger(__name__)

_VERSION = 1


class ResumeFile:
    """One run's resume file: the frames it settles already (`done`), and `record` for each settled frame."""

    def __init__(self, path: str | Path, ask: JobAsk):
        self.path = Path(path)
        self._header = {"resume": _VERSION, "prompt": ask.prompt, "max_new_tokens": ask.max_new_tokens}
        if ask.output != "text":
            self._header["output"] = ask.output
        if ask.measure:
            self._header["measure"] = list(ask.measure)
        self.done: dict[str, FrameResult] = {}
        self._read()
        try:
            self._file = self._open()
        except OSError as err:
            raise ConfigError(f"cannot write the resume file {self.path}: {err.strerror or err}") from None

    def record(self, key: str, result: FrameResult) -> None:
        """Append one settled frame and flush it to the operating system."""
        entry = {"key": key, "description": result.description, "error": result.error, "code": result.code}
        if result.fields is not None:
            entry["fields"] = result.fields
        if result.measurements is not None:
            entry["measurements"] = result.measurements
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def _read(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"cannot read the resume file {self.path}: {err}") from None
        lines = text.splitlines()
        header = _entry(lines[0]) if lines else None
        if header is not None and "resume" in header:
            if header != self._header:
                # Names what differs, never the prompt itself: a prompt is the caller's text.
                differs = [
                    key for key in (*self._header, *header) if header.get(key) != self._header.get(key)
                ]
                raise ConfigError(
                    f"the resume file {self.path} was written with another "
                    f"{', '.join(dict.fromkeys(differs))}; use another file"
                )
            lines = lines[1:]
        skipped = 0
        for line in lines:
            entry = _entry(line)
            if entry is None or not isinstance(entry.get("key"), str):
                skipped += 1
                continue
            result = _settled(entry)
            earlier = self.done.get(entry["key"])
            if result is not None and (earlier is None or not earlier.ok):
                self.done[entry["key"]] = result
        log.info(
            "resume file %s: %d frames settled already, %d lines skipped", self.path, len(self.done), skipped
        )

    def _open(self) -> IO[str]:
        file = self.path.open("a+b")
        try:
            fresh = file.seek(0, 2) == 0
            torn = not fresh and file.seek(-1, 2) >= 0 and file.read(1) != b"\n"
        finally:
            file.close()
        text = self.path.open("a", encoding="utf-8")
        if torn:  # end the torn line, so that it stays one bad line and the next entry reads
            text.write("\n")
        if fresh:
            text.write(json.dumps(self._header) + "\n")
        text.flush()
        return text


def _entry(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _settled(entry: dict) -> FrameResult | None:
    """The result an entry settles: a description, or a failure no retry can change; else None."""
    description = entry.get("description")
    if isinstance(description, str) and description.strip():
        fields, measurements = _object(entry, "fields"), _object(entry, "measurements")
        return FrameResult(description=description, fields=fields, measurements=measurements)
    code = entry.get("code")
    if isinstance(code, str) and code and not is_retryable(code):
        error = entry.get("error")
        return FrameResult(error=error if isinstance(error, str) else "failed", code=code)
    return None


def _object(entry: dict, key: str) -> dict | None:
    value = entry.get(key)
    return value if isinstance(value, dict) else None
