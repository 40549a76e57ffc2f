"""Every setting of the worker, read from the environment in one place into one frozen object.

`Settings.from_env(os.environ)` is the only code that reads the worker's environment; it
is a pure function of the mapping it is given, so tests build settings from plain dicts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from frame_contract.job_input import DETAILS

DEFAULT_MODEL_ID = "llava-hf/llava-v1.6-mistral-7b-hf"
# Where RunPod's "cached models" feature puts weights (huggingface_hub cache layout).
RUNPOD_MODEL_CACHE = "/runpod-volume/huggingface-cache/hub"
# Where the Docker image's builder bakes the weights.
BAKED_MODEL_DIR = "/models/baked"

# Every variable `Settings.from_env` reads; the README and .runpod/hub.json document each.
ENVIRONMENT_VARIABLES = (
    "MODEL_ID",
    "MODEL_REVISION",
    "MODEL_CACHE_DIR",
    "BAKED_MODEL_DIR",
    "DEVICE",
    "MODEL_DTYPE",
    "QUANTIZATION",
    "ATTN_IMPLEMENTATION",
    "IMAGE_DETAIL",
    "MAX_BATCH_SIZE",
    "BATCH_WAIT_MS",
    "MAX_CONCURRENT_JOBS",
    "MAX_FRAMES_PER_JOB",
    "MAX_NEW_TOKENS",
    "MAX_NEW_TOKENS_LIMIT",
    "MAX_PROMPT_CHARS",
    "FETCH_TIMEOUT_S",
    "FETCH_RETRIES",
    "FETCH_CONCURRENCY",
    "DECODE_MEMORY_MB",
    "MAX_FRAME_BYTES",
    "MAX_IMAGE_PIXELS",
    "LOG_LEVEL",
)

_DEVICES = ("auto", "cuda", "cpu")
_DTYPES = ("auto", "float16", "bfloat16", "float32")
_QUANTIZATIONS = ("none", "8bit", "4bit")
_ATTENTION = ("sdpa", "eager", "flash_attention_2")


class SettingsError(ValueError):
    """An environment variable holds a value the worker cannot use."""


@dataclass(frozen=True)
class Settings:
    """The worker's configuration. Field docs name the environment variable behind each."""

    model_id: str = DEFAULT_MODEL_ID  # MODEL_ID: hub id or local folder
    model_revision: str | None = None  # MODEL_REVISION: branch, tag or commit
    model_cache_dir: str = RUNPOD_MODEL_CACHE  # MODEL_CACHE_DIR: used when it holds the model
    baked_model_dir: str = BAKED_MODEL_DIR  # BAKED_MODEL_DIR: weights baked into the image
    device: str = "auto"  # DEVICE: auto (CUDA when visible, else CPU), cuda (or refuse to start), cpu
    dtype: str = "auto"  # MODEL_DTYPE: auto = float16 on CUDA, float32 on CPU
    quantization: str = "none"  # QUANTIZATION: none, 8bit or 4bit (bitsandbytes, CUDA only)
    attn_implementation: str = "sdpa"  # ATTN_IMPLEMENTATION: sdpa, eager, flash_attention_2
    image_detail: str = "high"  # IMAGE_DETAIL: high or low, the model family's own image knob
    max_batch_size: int = 8  # MAX_BATCH_SIZE: frames per generate call
    batch_wait_ms: int = 50  # BATCH_WAIT_MS: longest gap between frames a batch waits for
    max_concurrent_jobs: int = 4  # MAX_CONCURRENT_JOBS: jobs one worker takes at once
    max_frames_per_job: int = 64  # MAX_FRAMES_PER_JOB
    default_max_new_tokens: int = 200  # MAX_NEW_TOKENS: per-job default
    max_new_tokens_limit: int = 512  # MAX_NEW_TOKENS_LIMIT: the largest a job may ask for
    max_prompt_chars: int = 4000  # MAX_PROMPT_CHARS
    fetch_timeout_s: float = 20.0  # FETCH_TIMEOUT_S: whole-transfer deadline per frame
    fetch_retries: int = 2  # FETCH_RETRIES: extra tries after a transient failure
    fetch_concurrency: int = 16  # FETCH_CONCURRENCY: one job's downloads in flight; frame threads
    decode_memory_mb: int = 1024  # DECODE_MEMORY_MB: what frames being decoded at once may hold
    max_frame_bytes: int = 32 * 1024 * 1024  # MAX_FRAME_BYTES: per frame, URL or base64
    max_image_pixels: int = 40_000_000  # MAX_IMAGE_PIXELS: larger images are refused
    log_level: str = "INFO"  # LOG_LEVEL
    # Set by RunPod on a deployed worker; progress updates only make sense there.
    report_progress: bool = False  # RUNPOD_WEBHOOK_POST_OUTPUT present

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: the process environment); raise SettingsError."""
        env = os.environ if env is None else env
        values = dict(
            model_id=_text(env, "MODEL_ID", DEFAULT_MODEL_ID),
            model_revision=_text(env, "MODEL_REVISION", None),
            model_cache_dir=_text(env, "MODEL_CACHE_DIR", RUNPOD_MODEL_CACHE),
            baked_model_dir=_text(env, "BAKED_MODEL_DIR", BAKED_MODEL_DIR),
            device=_choice(env, "DEVICE", "auto", _DEVICES),
            dtype=_choice(env, "MODEL_DTYPE", "auto", _DTYPES),
            quantization=_choice(env, "QUANTIZATION", "none", _QUANTIZATIONS),
            attn_implementation=_choice(env, "ATTN_IMPLEMENTATION", "sdpa", _ATTENTION),
            image_detail=_choice(env, "IMAGE_DETAIL", "high", DETAILS),
            max_batch_size=_int(env, "MAX_BATCH_SIZE", 8, low=1, high=256),
            batch_wait_ms=_int(env, "BATCH_WAIT_MS", 50, low=0, high=10_000),
            max_concurrent_jobs=_int(env, "MAX_CONCURRENT_JOBS", 4, low=1, high=64),
            max_frames_per_job=_int(env, "MAX_FRAMES_PER_JOB", 64, low=1, high=10_000),
            default_max_new_tokens=_int(env, "MAX_NEW_TOKENS", 200, low=1, high=4096),
            max_new_tokens_limit=_int(env, "MAX_NEW_TOKENS_LIMIT", 512, low=1, high=4096),
            max_prompt_chars=_int(env, "MAX_PROMPT_CHARS", 4000, low=1, high=100_000),
            fetch_timeout_s=_float(env, "FETCH_TIMEOUT_S", 20.0, low=0.1, high=600.0),
            fetch_retries=_int(env, "FETCH_RETRIES", 2, low=0, high=10),
            fetch_concurrency=_int(env, "FETCH_CONCURRENCY", 16, low=1, high=256),
            decode_memory_mb=_int(env, "DECODE_MEMORY_MB", 1024, low=64, high=65536),
            max_frame_bytes=_int(env, "MAX_FRAME_BYTES", 32 * 1024 * 1024, low=1, high=1 << 31),
            max_image_pixels=_int(env, "MAX_IMAGE_PIXELS", 40_000_000, low=1, high=1 << 31),
            log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            report_progress=bool(env.get("RUNPOD_WEBHOOK_POST_OUTPUT")),
        )
        if values["default_max_new_tokens"] > values["max_new_tokens_limit"]:
            raise SettingsError("MAX_NEW_TOKENS must not exceed MAX_NEW_TOKENS_LIMIT")
        return cls(**values)


def _text(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = _text(env, name, default)
    matches = [a for a in allowed if a.lower() == value.lower()]
    if not matches:
        raise SettingsError(f"{name}={value!r} is not one of {', '.join(allowed)}")
    return matches[0]


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = _text(env, name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is outside {low}..{high}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = _text(env, name, None)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is outside {low}..{high}")
    return value
