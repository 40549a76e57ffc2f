"""A job's input parsed once into a `JobRequest`: resolved, frozen, and the only source of truth.

The keys, their allowed values and their limits are `frame_contract.job_input`'s; this module
reads the input against them and the worker's settings, and against what only the loaded model
can judge (`ModelCapabilities`). Everything a job runs with is decided here: the prompt (the
caller's, the default, or either wrapped for fields output), whether the caller gave one, the
output mode, the token budget, the image detail and the kinds of measurement. Admission is this
parse; nothing later derives any of it again.

A request that is wrong as a whole raises `InvalidJob` with one sentence. A single bad frame
entry is not the job's fault: it is kept as a `FrameEntry` and fails on its own later.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from frame_contract.job_input import BASE64, FIELDS, FRAMES_KEY, KEYS, OCR_TEXT, URL, InputKey, measured_kinds

from .errors import InvalidJob
from .fields import fields_prompt
from .frame_types import GenerationOptions
from .prompt import DEFAULT_PROMPT
from .redact import echo
from .settings import SETTINGS, Settings

# The settings table names each setting once; the declaration names limits by their variable.
_SETTING_FIELDS = {setting.env: setting.attribute for setting in SETTINGS}


@dataclass(frozen=True)
class FrameEntry:
    """One frame as the caller gave it: `kind` says how to read `value` (any JSON value)."""

    kind: str  # "url" (http(s) URL or data: URI) or "base64" (bare base64 or data: URI)
    value: Any


def _any_prompt(prompt: str) -> None:
    """A prompt check that accepts everything: for a description of no particular model."""


@dataclass(frozen=True)
class ModelCapabilities:
    """What only the loaded model can judge about a job, as plain values (`Worker` fills them in).

    `fixed_detail` is the image detail its family fixes at load (None: each job chooses);
    `fields_min_new_tokens` the budget in which every fields object completes (None: no fields
    output, for `fields_unavailable`'s reason); `check_prompt` raises `InvalidJob` for a prompt
    its processor refuses.
    """

    family: str = "any model"
    fixed_detail: str | None = None
    fields_min_new_tokens: int | None = 1
    fields_unavailable: str = ""
    check_prompt: Callable[[str], None] = _any_prompt


@dataclass(frozen=True)
class JobRequest:
    """A job as it runs: its frames in input order and everything resolved for them.

    `prompt` is the text the model reads for every frame (the caller's, the default, or either
    with the fields instructions); `prompt_given` says whether the caller sent one. `generation`
    holds the output mode and the token budget: frames share a batch only when it is equal.
    """

    frames: tuple[FrameEntry, ...]
    prompt: str
    prompt_given: bool
    generation: GenerationOptions
    detail: str
    measure: tuple[str, ...] = ()  # kinds in `MEASURE_KINDS` order; () measures nothing

    @property
    def reads_text(self) -> bool:
        """Whether each frame's text is read by OCR before it is described (and grounded in it)."""
        return OCR_TEXT in self.measure

    @property
    def output(self) -> str:
        return self.generation.output


def parse_job(job_input: Any, settings: Settings, model: ModelCapabilities) -> JobRequest:
    """`job_input` checked as a whole and resolved for `model`, or `InvalidJob`."""
    if not isinstance(job_input, dict):
        raise InvalidJob("Input must be a JSON object with 'frame_urls' or 'frame_data'.")
    unknown = sorted(str(k) for k in job_input if k not in KEYS)
    if unknown:
        shown = ", ".join(echo(key) for key in unknown[:5]) + (" and more" if len(unknown) > 5 else "")
        raise InvalidJob(f"Unknown input key(s) {shown}; allowed: {', '.join(sorted(KEYS))}.")
    kind = _choice(job_input, KEYS["format"], settings)
    entries = _frame_entries(job_input, kind, settings)
    output = _choice(job_input, KEYS["output"], settings)
    given = job_input.get("prompt")
    if given is not None:
        given = _prompt(given, settings)
        model.check_prompt(given)
    detail = _detail(job_input, settings, model)
    tokens = _token_budget(job_input.get("max_new_tokens"), output, settings, model)
    return JobRequest(
        frames=tuple(FrameEntry(kind, entry) for entry in entries),
        prompt=fields_prompt(given) if output == FIELDS else given or DEFAULT_PROMPT,
        prompt_given=given is not None,
        generation=GenerationOptions(max_new_tokens=tokens, output=output),
        detail=detail,
        measure=_measure(job_input.get("measure"), settings),
    )


def _setting(settings: Settings, name: str) -> Any:
    return getattr(settings, _SETTING_FIELDS[name])


def _choice(job_input: dict, key: InputKey, settings: Settings) -> str:
    value = job_input.get(key.name)
    if value is None:
        return key.default if key.default_setting is None else _setting(settings, key.default_setting)
    if value not in key.choices:
        raise InvalidJob(f"'{key.name}' must be {' or '.join(map(repr, key.choices))}, not {echo(value)}.")
    return value


def _frame_entries(job_input: dict, kind: str, settings: Settings) -> list:
    has_urls, has_data = FRAMES_KEY[URL] in job_input, FRAMES_KEY[BASE64] in job_input
    if has_urls and has_data:
        raise InvalidJob("Give either 'frame_urls' or 'frame_data', not both.")
    if kind == BASE64 and not has_data:
        raise InvalidJob("'format': 'base64' needs the frames in 'frame_data'.")
    if kind == URL and has_data:
        raise InvalidJob("'frame_data' needs 'format': 'base64'.")
    if not (has_urls or has_data):
        raise InvalidJob("No frames: give 'frame_urls' or 'frame_data' with 'format': 'base64'.")
    key = KEYS[FRAMES_KEY[kind]]
    entries = job_input[key.name]
    if not isinstance(entries, list):
        raise InvalidJob(f"'{key.name}' must be a list, not {type(entries).__name__}.")
    if len(entries) < key.minimum:
        raise InvalidJob(f"'{key.name}' is empty: send at least one frame.")
    limit = _setting(settings, key.maximum_setting)
    if len(entries) > limit:
        raise InvalidJob(f"The job has {len(entries)} frames; at most {limit} are allowed.")
    return entries


def _prompt(prompt: object, settings: Settings) -> str:
    key = KEYS["prompt"]
    if not isinstance(prompt, str) or len(prompt.strip()) < key.minimum or _blank(prompt):
        raise InvalidJob("'prompt' must be a non-empty string.")
    limit = _setting(settings, key.maximum_setting)
    if len(prompt) > limit:
        raise InvalidJob(f"'prompt' has {len(prompt)} characters; at most {limit} are allowed.")
    return prompt.strip()


def _blank(text: str) -> bool:
    """True when `text` shows nothing: only spaces and format characters (zero-width and the like)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def _token_budget(asked: object, output: str, settings: Settings, model: ModelCapabilities) -> int:
    """The job's own `max_new_tokens`, or the worker's default; for fields output, one in which
    every object completes."""
    key = KEYS["max_new_tokens"]
    limit = _setting(settings, key.maximum_setting)
    # bool is an int in Python; `true` is not a token count.
    if asked is not None and (
        isinstance(asked, bool) or not isinstance(asked, int) or not key.minimum <= asked <= limit
    ):
        raise InvalidJob(f"'max_new_tokens' must be a whole number from {key.minimum} to {limit}.")
    default = _setting(settings, key.default_setting)
    if output != FIELDS:
        return default if asked is None else asked
    needed = model.fields_min_new_tokens
    if needed is None:
        raise InvalidJob(f"This model cannot give 'output': 'fields' ({model.fields_unavailable}).")
    if asked is not None and asked < needed:
        raise InvalidJob(f"'output': 'fields' needs 'max_new_tokens' of at least {needed}, not {asked}.")
    if needed > limit:
        raise InvalidJob(f"'output': 'fields' needs {needed} new tokens; {key.maximum_setting} is {limit}.")
    return max(needed, default) if asked is None else asked


def _measure(asked: object, settings: Settings) -> tuple[str, ...]:
    """The kinds a job measures: `true` is every kind, a list names some (`[]` none), `false` or
    absent is the worker's MEASURE. A wrong entry is named by its place, never echoed."""
    key = KEYS["measure"]
    if asked is None or asked is False:
        return _setting(settings, key.default_setting)
    try:
        return measured_kinds(asked)
    except ValueError as err:
        raise InvalidJob(
            f"'{key.name}' must be true or a list of {', '.join(map(repr, key.choices))}{err}."
        ) from None


def _detail(job_input: dict, settings: Settings, model: ModelCapabilities) -> str:
    detail = _choice(job_input, KEYS["detail"], settings)
    if model.fixed_detail is not None and detail != model.fixed_detail:
        raise InvalidJob(
            f"'detail' is set when the worker starts for {model.family} "
            f"(IMAGE_DETAIL={model.fixed_detail}); this job asked for {echo(detail)}."
        )
    return detail
