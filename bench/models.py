"""The model a benchmark runs, built into the worker's own `LoadedModel`.

- a family (`llava_next`, `qwen3_vl`, ... `full` is `llava_next`): its real architecture at full
  size with random weights (`bench/full_size.py`); `layers` keeps only that many layers in each
  tower, at real widths, so the same code runs on a CPU (the dry run and the tests).
- `tiny`: the tests' tiny random LLaVA-NeXT, loaded through the worker's `load_model`.
- anything else: a `MODEL_ID` (hub id or folder), loaded exactly as the worker loads it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import torch

from frame_describer.families import family_of
from frame_describer.model import LoadedModel, load_model
from frame_describer.settings import Settings

from . import full_size

log = logging.getLogger(__name__)

FAMILIES = full_size.FAMILIES


def family_key(choice: str) -> str | None:
    """The family `--model` builds at full size (`full` is LLaVA-NeXT), or None for tiny / a MODEL_ID."""
    if choice == "full":
        return "llava_next"
    return choice if choice in FAMILIES else None


def default_choice(settings: Settings) -> str:
    """The full-size random LLaVA-NeXT on a GPU, the tiny one on a CPU, unless MODEL_ID names one."""
    if settings.model_id != Settings().model_id:
        return settings.model_id
    return "full" if torch.cuda.is_available() else "tiny"


def default_dtype(device: torch.device, choice: str = "tiny") -> str:
    """On CUDA a family's own 16-bit dtype (as MODEL_DTYPE=auto loads it), else fp16; fp32 on a CPU."""
    if device.type != "cuda":
        return "float32"
    family = family_key(choice)
    return family_of(family).gpu_dtype if family else "float16"


def build(
    choice: str, dtype: str, attn_implementation: str, prompt: str, layers: int | None = None
) -> tuple[LoadedModel, str]:
    """The loaded model and its label for the results (`qwen3_vl-random`, `tiny-random` or the id)."""
    started = time.perf_counter()
    family = family_key(choice)
    if family:
        loaded = full_size.build(family, dtype, attn_implementation, prompt, layers)
        label = f"{family}-random" + ("" if layers is None else f"-{layers}-layers")
    elif choice == "tiny":
        from testkit.tiny_model import build_tiny_model

        folder = build_tiny_model(Path(tempfile.mkdtemp(prefix="bench-tiny-")) / "model")
        loaded, label = _load(str(folder), dtype, attn_implementation), "tiny-random"
    else:
        loaded, label = _load(choice, dtype, attn_implementation), choice
    log.info("model %s ready on %s in %.1f s", label, loaded.device, time.perf_counter() - started)
    return loaded, label


def _load(model_id: str, dtype: str, attn_implementation: str) -> LoadedModel:
    return load_model(Settings(model_id=model_id, dtype=dtype, attn_implementation=attn_implementation))
