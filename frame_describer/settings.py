"""Every setting of the worker, declared once, read from the environment in one place.

The `Settings` class body is the settings table: each field is one row, naming its environment
variable, type, default, allowed values or bounds, the Docker image's value where it differs,
what it means and how the RunPod Hub lists it. `Settings.from_env(os.environ)` is the only
code that reads the worker's environment; it is a pure function of the mapping it is given, so
tests build settings from plain dicts. `.runpod/hub.json`'s `env` and `docs/configuration.md`
are written from `SETTINGS` by `scripts/generate.py`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from frame_contract.job_input import DETAILS, MEASURE_KINDS

DEFAULT_MODEL_ID = "llava-hf/llava-v1.6-mistral-7b-hf"

# The kinds of value a setting holds, as the documentation names them.
TEXT = "text"
CHOICE = "one of"
WHOLE = "whole number"
NUMBER = "number"
PRESENCE = "present or not"
SUBSET = "some of"  # comma-separated names from `allowed`, or `all`, or `none`
ALL, NONE = "all", "none"


class SettingsError(ValueError):
    """An environment variable holds a value the worker cannot use."""


@dataclass(frozen=True)
class Hub:
    """How the RunPod Hub lists a setting: its label, and whether it sits under "advanced"."""

    label: str
    advanced: bool = False


@dataclass(frozen=True)
class Setting:
    """One row of the settings table; `attribute` is the `Settings` field it fills."""

    env: str
    kind: str
    default: Any
    meaning: str
    allowed: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    image: str | None = None  # the Docker image's value, where it differs from `default`
    hub: Hub | None = None  # None: not listed on the Hub (set by the platform, not the user)
    attribute: str = ""

    def read(self, env: Mapping[str, str]) -> Any:
        """This setting's value in `env`; raise SettingsError naming the variable."""
        if self.kind == PRESENCE:
            return bool(env.get(self.env))
        raw = env.get(self.env, "").strip()
        if self.kind == TEXT:
            return raw or self.default
        if self.kind == SUBSET:
            return self._subset(raw) if raw else self.default
        if self.kind == CHOICE:
            value = raw or self.default
            matches = [a for a in self.allowed if a.lower() == value.lower()]
            if not matches:
                raise SettingsError(f"{self.env}={value!r} is not one of {', '.join(self.allowed)}")
            return matches[0]
        if not raw:
            return self.default
        parse, what = (int, "a whole number") if self.kind == WHOLE else (float, "a number")
        try:
            value = parse(raw)
        except ValueError:
            raise SettingsError(f"{self.env}={raw!r} is not {what}") from None
        if not self.low <= value <= self.high:
            raise SettingsError(f"{self.env}={value} is outside {self.low}..{self.high}")
        return value

    def _subset(self, raw: str) -> tuple[str, ...]:
        names = {name.strip().lower() for name in raw.split(",")} - {""}
        if names == {ALL}:
            return self.allowed
        if names == {NONE}:
            return ()
        unknown = sorted(names - set(self.allowed))
        if unknown or not names:
            choices = ", ".join(self.allowed)
            raise SettingsError(
                f"{self.env}={raw!r} is not {ALL}, {NONE} or a comma-separated list of {choices}"
            )
        return tuple(name for name in self.allowed if name in names)


def _row(setting: Setting) -> Any:
    return field(default=setting.default, metadata={"setting": setting})


def _text(env: str, default: str | None, meaning: str, **row: Any) -> Any:
    return _row(Setting(env, TEXT, default, meaning, **row))


def _choice(env: str, default: str, allowed: tuple[str, ...], meaning: str, **row: Any) -> Any:
    return _row(Setting(env, CHOICE, default, meaning, allowed=allowed, **row))


def _whole(env: str, default: int, low: int, high: int, meaning: str, **row: Any) -> Any:
    return _row(Setting(env, WHOLE, default, meaning, low=low, high=high, **row))


def _number(env: str, default: float, low: float, high: float, meaning: str, **row: Any) -> Any:
    return _row(Setting(env, NUMBER, default, meaning, low=low, high=high, **row))


def _subset(env: str, allowed: tuple[str, ...], meaning: str, **row: Any) -> Any:
    return _row(Setting(env, SUBSET, (), meaning, allowed=allowed, **row))


def _presence(env: str, meaning: str) -> Any:
    return _row(Setting(env, PRESENCE, False, meaning))


@dataclass(frozen=True)
class Settings:
    """The worker's configuration, one field per environment variable (the settings table)."""

    model_id: str = _text(
        "MODEL_ID",
        DEFAULT_MODEL_ID,
        "The model: a hub id or a folder. The image finds the model it was built with baked in"
        " (`BAKED_MODEL_DIR`), a model in RunPod's model cache (`MODEL_CACHE_DIR`) or a folder on"
        " a network volume. The image is offline: any other hub id fails at start-up with a"
        " message saying where it looked.",
        hub=Hub("Model"),
    )
    model_revision: str | None = _text(
        "MODEL_REVISION",
        None,
        "Branch, tag or commit of `MODEL_ID`; empty means the default branch.",
        hub=Hub("Model revision"),
    )
    model_cache_dir: str = _text(
        "MODEL_CACHE_DIR",
        "/runpod-volume/huggingface-cache/hub",
        'RunPod\'s model cache (its "cached models", a Hugging Face cache), used when it holds `MODEL_ID`.',
        hub=Hub("Model cache folder", advanced=True),
    )
    baked_model_dir: str = _text(
        "BAKED_MODEL_DIR",
        "/models/baked",
        "Where the image keeps the weights it was built with; found there under the `MODEL_ID`"
        " it was built with.",
        hub=Hub("Baked model folder", advanced=True),
    )
    device: str = _choice(
        "DEVICE",
        "auto",
        ("auto", "cuda", "cpu"),
        "`cuda`: a GPU or refuse to start (the image's setting); `auto`: a GPU when torch sees"
        " one, else the CPU (development); `cpu`.",
        image="cuda",
        hub=Hub("Device", advanced=True),
    )
    dtype: str = _choice(
        "MODEL_DTYPE",
        "auto",
        ("auto", "float16", "bfloat16", "float32"),
        "`auto`: on a GPU the model family's own 16-bit type (float16 for the LLaVA families,"
        " bfloat16 for the others), on the CPU float32; or a type named here for every family.",
        hub=Hub("Data type"),
    )
    quantization: str = _choice(
        "QUANTIZATION",
        "none",
        ("none", "8bit", "4bit"),
        "bitsandbytes quantization of the language model (CUDA only): slower than 16-bit, saves"
        " memory; the vision tower and projector stay in 16-bit.",
        hub=Hub("Quantization"),
    )
    attn_implementation: str = _choice(
        "ATTN_IMPLEMENTATION",
        "sdpa",
        ("sdpa", "eager", "flash_attention_2"),
        "The attention kernel (`flash_attention_2` needs flash-attn installed).",
        hub=Hub("Attention", advanced=True),
    )
    image_detail: str = _choice(
        "IMAGE_DETAIL",
        "high",
        DETAILS,
        "`high`: the model family's own image resolution; `low`: fewer image tokens per frame"
        " (faster, less detail). A job may ask for the other with `detail`, except on the LLaVA"
        " families, which fix it at start.",
        hub=Hub("Image detail"),
    )
    max_batch_size: int = _whole(
        "MAX_BATCH_SIZE",
        8,
        1,
        256,
        "Frames per `generate` call. 8 fits a 24 GB card with 16:9 frames and 256 new tokens by"
        " arithmetic (about 18.4 GiB); larger cards take more.",
        hub=Hub("Max batch size"),
    )
    batch_wait_ms: int = _whole(
        "BATCH_WAIT_MS",
        50,
        0,
        10_000,
        "A batch that is not full waits for frames still being fetched while they arrive at most"
        " this far apart, up to 10 such gaps.",
        hub=Hub("Batch wait (ms)", advanced=True),
    )
    max_concurrent_jobs: int = _whole(
        "MAX_CONCURRENT_JOBS",
        4,
        1,
        64,
        "Jobs one worker takes at once (`concurrency_modifier`); their frames share GPU batches.",
        hub=Hub("Concurrent jobs"),
    )
    max_frames_per_job: int = _whole(
        "MAX_FRAMES_PER_JOB",
        64,
        1,
        10_000,
        "Larger jobs are rejected as a whole; URLs and base64 alike.",
        hub=Hub("Max frames per job"),
    )
    default_max_new_tokens: int = _whole(
        "MAX_NEW_TOKENS",
        200,
        1,
        4096,
        "Output length when a job does not set `max_new_tokens`; at most `MAX_NEW_TOKENS_LIMIT`.",
        hub=Hub("Default max new tokens"),
    )
    max_new_tokens_limit: int = _whole(
        "MAX_NEW_TOKENS_LIMIT",
        512,
        1,
        4096,
        "The largest `max_new_tokens` a job may ask for.",
        hub=Hub("Max new tokens limit", advanced=True),
    )
    max_prompt_chars: int = _whole(
        "MAX_PROMPT_CHARS",
        4000,
        1,
        100_000,
        "Longest per-job prompt, in characters.",
        hub=Hub("Max prompt length", advanced=True),
    )
    fetch_timeout_s: float = _number(
        "FETCH_TIMEOUT_S",
        20.0,
        0.1,
        600.0,
        "Whole-transfer deadline per frame URL, in seconds: redirects, headers, every byte of the"
        " body and the retries.",
        hub=Hub("Fetch deadline (s)", advanced=True),
    )
    fetch_retries: int = _whole(
        "FETCH_RETRIES",
        2,
        0,
        10,
        "Extra tries after a transient failure (connection failure or reset, 408, 425, 429, 5xx),"
        " with backoff, never past the deadline.",
        hub=Hub("Fetch retries", advanced=True),
    )
    fetch_concurrency: int = _whole(
        "FETCH_CONCURRENCY",
        16,
        1,
        256,
        "Downloads one job may have in flight (the worker has this many download threads per"
        " concurrent job, so jobs never wait on each other's downloads); also the threads that"
        " decode and preprocess frames.",
        hub=Hub("Fetch concurrency", advanced=True),
    )
    decode_memory_mb: int = _whole(
        "DECODE_MEMORY_MB",
        1024,
        64,
        65536,
        "Memory that frames being decoded at once may hold together; a frame waits for its share"
        " (one larger than all of it decodes alone).",
        hub=Hub("Decode memory (MB)", advanced=True),
    )
    max_frame_bytes: int = _whole(
        "MAX_FRAME_BYTES",
        32 * 1024 * 1024,
        1,
        1 << 31,
        "Largest frame, for URLs and base64 alike (the default is 32 MiB).",
        hub=Hub("Max frame size (bytes)", advanced=True),
    )
    max_image_pixels: int = _whole(
        "MAX_IMAGE_PIXELS",
        40_000_000,
        1,
        1 << 31,
        "Images with more pixels are refused (decompression bombs), from the header, before any"
        " pixel is decoded.",
        hub=Hub("Max image pixels", advanced=True),
    )
    measure: tuple[str, ...] = _subset(
        "MEASURE",
        MEASURE_KINDS,
        "What every job measures on its frames when it does not say (`measure`): `all`, `none`, or"
        " a comma-separated list of `text` (OCR), `colour`, `exposure`. With `text` the OCR engine"
        " loads at start (about 8 s on 2 cores) instead of on the first job that reads text.",
        hub=Hub("Measure"),
    )
    log_level: str = _choice(
        "LOG_LEVEL",
        "INFO",
        ("DEBUG", "INFO", "WARNING", "ERROR"),
        "Python logging level.",
        hub=Hub("Log level", advanced=True),
    )
    report_progress: bool = _presence(
        "RUNPOD_WEBHOOK_POST_OUTPUT",
        "Set by RunPod on a deployed worker, not by hand: when present, jobs report their"
        " progress (`progress_update`), which only makes sense there.",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: the process environment); raise SettingsError."""
        env = os.environ if env is None else env
        settings = cls(**{row.attribute: row.read(env) for row in SETTINGS})
        if settings.default_max_new_tokens > settings.max_new_tokens_limit:
            raise SettingsError("MAX_NEW_TOKENS must not exceed MAX_NEW_TOKENS_LIMIT")
        return settings


# The settings table, in declaration order: what the generated files and the tests read.
SETTINGS: tuple[Setting, ...] = tuple(
    replace(f.metadata["setting"], attribute=f.name) for f in fields(Settings)
)
