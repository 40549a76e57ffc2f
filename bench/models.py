"""Which model the benchmark runs, built into the worker's `LoadedModel`.

`tiny`: the test suite's tiny random checkpoint, built into a temporary folder and loaded
through the worker's own `load_model`. `full`: the real architecture with random weights, built
directly on the GPU (no download exists on the benchmark machine). Anything else is a
`MODEL_ID` (hub id or folder) loaded exactly as the worker loads it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import torch

from frame_describer.model import LoadedModel, load_model
from frame_describer.settings import Settings

from . import full_model

log = logging.getLogger(__name__)


def default_choice(settings: Settings) -> str:
    """The full-size random model on a GPU, the tiny one on a CPU, unless MODEL_ID names one."""
    if settings.model_id != Settings().model_id:
        return settings.model_id
    return "full" if torch.cuda.is_available() else "tiny"


def default_dtype(device: torch.device) -> str:
    return "float16" if device.type == "cuda" else "float32"


def build(choice: str, dtype: str, attn_implementation: str, prompt: str) -> tuple[LoadedModel, str]:
    """The loaded model and a label for the results (`full-random`, `tiny-random` or the id)."""
    started = time.perf_counter()
    if choice == "full":
        loaded, label = _full(dtype, attn_implementation, prompt), "full-random"
    elif choice == "tiny":
        from frame_describer.tiny_model import build_tiny_model

        folder = build_tiny_model(Path(tempfile.mkdtemp(prefix="bench-tiny-")) / "model")
        loaded, label = _from_pretrained(str(folder), dtype, attn_implementation), "tiny-random"
    else:
        loaded, label = _from_pretrained(choice, dtype, attn_implementation), choice
    log.info("model %s ready on %s in %.1f s", label, loaded.device, time.perf_counter() - started)
    return loaded, label


def _from_pretrained(model_id: str, dtype: str, attn_implementation: str) -> LoadedModel:
    return load_model(Settings(model_id=model_id, dtype=dtype, attn_implementation=attn_implementation))


def _full(dtype: str, attn_implementation: str, prompt: str) -> LoadedModel:
    if not torch.cuda.is_available():
        raise SystemExit("--model full needs a CUDA GPU (7.6 B parameters); use --model tiny on a CPU")
    device = torch.device("cuda")
    torch_dtype = getattr(torch, dtype)
    config = full_model.load_config()
    processor = full_model.build_processor(config, prompt)
    model = full_model.build_model(config, torch_dtype, device, attn_implementation)
    return LoadedModel(model=model, processor=processor, device=device, dtype=torch_dtype)
