"""The job's input schema: what `event["input"]` may hold, checked as a whole before any work.

A request that is wrong as a whole raises `InvalidJob` with one sentence. A single bad frame
entry is not the job's fault: it is kept as a `FrameSource` and fails on its own later.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from .errors import InvalidJob
from .frame_types import GenerationOptions
from .prompt import DEFAULT_PROMPT
from .redact import echo
from .settings import IMAGE_DETAILS, Settings

ALLOWED_KEYS = frozenset(
    {"frame_urls", "frame_data", "format", "prompt", "max_new_tokens", "detail", "output"}
)
FORMATS = ("url", "base64")
OUTPUTS = ("text", "fields")


@dataclass(frozen=True)
class FrameSource:
    """One frame as the caller gave it: `kind` says how to read `value` (any JSON value)."""

    kind: str  # "url" (http(s) URL or data: URI) or "base64" (bare base64 or data: URI)
    value: Any


@dataclass(frozen=True)
class JobRequest:
    """A validated job: its frames in input order, the prompt, the image detail and how to generate.

    `asked_max_new_tokens` is the job's own `max_new_tokens` (None: the worker's default), which
    the fields mode needs to tell a too-small budget from a default it raises.
    """

    frames: tuple[FrameSource, ...]
    prompt: str
    generation: GenerationOptions
    detail: str = "high"
    asked_max_new_tokens: int | None = None


def parse_job(job_input: Any, settings: Settings) -> JobRequest:
    """Check `job_input` as a whole and return the request, or raise `InvalidJob`."""
    if not isinstance(job_input, dict):
        raise InvalidJob("Input must be a JSON object with 'frame_urls' or 'frame_data'.")
    unknown = sorted(str(k) for k in job_input if k not in ALLOWED_KEYS)
    if unknown:
        shown = ", ".join(echo(key) for key in unknown[:5]) + (" and more" if len(unknown) > 5 else "")
        raise InvalidJob(f"Unknown input key(s) {shown}; allowed: {', '.join(sorted(ALLOWED_KEYS))}.")
    kind = job_input.get("format", "url")
    if kind not in FORMATS:
        raise InvalidJob(f"'format' must be 'url' or 'base64', not {echo(kind)}.")
    entries = _frame_entries(job_input, kind)
    if len(entries) > settings.max_frames_per_job:
        raise InvalidJob(
            f"The job has {len(entries)} frames; at most {settings.max_frames_per_job} are allowed."
        )
    return JobRequest(
        frames=tuple(FrameSource(kind, entry) for entry in entries),
        prompt=_prompt(job_input, settings),
        generation=GenerationOptions(
            max_new_tokens=_max_new_tokens(job_input, settings), output=_output(job_input)
        ),
        detail=_detail(job_input, settings),
        asked_max_new_tokens=job_input.get("max_new_tokens"),
    )


def _frame_entries(job_input: dict, kind: str) -> list:
    has_urls, has_data = "frame_urls" in job_input, "frame_data" in job_input
    if has_urls and has_data:
        raise InvalidJob("Give either 'frame_urls' or 'frame_data', not both.")
    if kind == "base64" and not has_data:
        raise InvalidJob("'format': 'base64' needs the frames in 'frame_data'.")
    if kind == "url" and has_data:
        raise InvalidJob("'frame_data' needs 'format': 'base64'.")
    if not (has_urls or has_data):
        raise InvalidJob("No frames: give 'frame_urls' or 'frame_data' with 'format': 'base64'.")
    key = "frame_data" if has_data else "frame_urls"
    entries = job_input[key]
    if not isinstance(entries, list):
        raise InvalidJob(f"'{key}' must be a list, not {type(entries).__name__}.")
    if not entries:
        raise InvalidJob(f"'{key}' is empty: send at least one frame.")
    return entries


def _prompt(job_input: dict, settings: Settings) -> str:
    prompt = job_input.get("prompt")
    if prompt is None:
        return DEFAULT_PROMPT
    if not isinstance(prompt, str) or _blank(prompt):
        raise InvalidJob("'prompt' must be a non-empty string.")
    if len(prompt) > settings.max_prompt_chars:
        raise InvalidJob(
            f"'prompt' has {len(prompt)} characters; at most {settings.max_prompt_chars} are allowed."
        )
    return prompt.strip()


def _blank(text: str) -> bool:
    """True when `text` shows nothing: only spaces and format characters (zero-width and the like)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def _max_new_tokens(job_input: dict, settings: Settings) -> int:
    value = job_input.get("max_new_tokens")
    if value is None:
        return settings.default_max_new_tokens
    limit = settings.max_new_tokens_limit
    # bool is an int in Python; `true` is not a token count.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidJob(f"'max_new_tokens' must be a whole number from 1 to {limit}.")
    return value


def _detail(job_input: dict, settings: Settings) -> str:
    value = job_input.get("detail")
    if value is None:
        return settings.image_detail
    if value not in IMAGE_DETAILS:
        raise InvalidJob(f"'detail' must be {' or '.join(map(repr, IMAGE_DETAILS))}, not {echo(value)}.")
    return value


def _output(job_input: dict) -> str:
    value = job_input.get("output", "text")
    if value not in OUTPUTS:
        raise InvalidJob(f"'output' must be 'text' or 'fields', not {echo(value)}.")
    return value
