"""Load the model and its processor once, as the settings say, or fail with a clear message.

Production and tests load the same way: `MODEL_ID` names a hub id (baked into the image, in
RunPod's model cache or in `HF_HOME`: `model_source.py` finds it) or a local folder such as the
tiny test checkpoints, on the device `device.py` picks. Every supported family (`families.py`)
loads through `AutoProcessor` and `AutoModelForImageTextToText`; a model of any other type, or
a checkpoint whose weights do not match its architecture, stops start-up instead of serving a
half-random model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import torch

from .device import pick_device
from .errors import ModelLoadError
from .families import Family, family_of, low_pinpoints
from .model_source import resolve_model_source
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """The model in eval mode, its processor, and where and how it runs."""

    model: object
    processor: object
    device: torch.device
    dtype: torch.dtype
    family: Family
    image_detail: str  # IMAGE_DETAIL, which a job's `detail` may change unless set at load

    @property
    def image_token_id(self) -> int:
        """The token that stands for image features in the prompt."""
        return self.model.config.image_token_id

    def detail_kwargs(self, detail: str) -> dict:
        """Processor keyword arguments for a frame at `detail` ("high" or "low")."""
        return self._details[detail]

    @cached_property
    def _details(self) -> dict[str, dict]:
        # Derived from the processor's own settings once, not for every frame.
        return self.family.detail(self.processor.image_processor)


def pick_dtype(settings: Settings, device: torch.device, family: Family) -> torch.dtype:
    """On CUDA the family's own 16-bit dtype, fp32 on CPU (whose kernels lack fast 16-bit),
    unless MODEL_DTYPE names one."""
    if settings.dtype == "auto":
        return getattr(torch, family.gpu_dtype) if device.type == "cuda" else torch.float32
    return getattr(torch, settings.dtype)


def quantization_config(settings: Settings, device: torch.device, family: Family):
    if settings.quantization == "none":
        return None
    if device.type != "cuda":
        raise ModelLoadError(f"QUANTIZATION={settings.quantization} needs a CUDA GPU")
    from transformers import BitsAndBytesConfig

    # NOTE: the vision tower and projector stay in 16-bit: they are small, and quantizing
    # them costs quality for no memory worth having. Full prefixes are required.
    skip = list(family.skip_modules)
    if settings.quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=skip)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=torch.float16,
        llm_int8_skip_modules=skip,
    )


def load_model(settings: Settings) -> LoadedModel:
    """Load model and processor for `settings`; raise `ModelLoadError` with the reason."""
    from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

    device = pick_device(settings.device)
    source = resolve_model_source(settings)
    common = dict(revision=source.revision)
    started = time.perf_counter()
    with _load_errors(settings):
        config = AutoConfig.from_pretrained(source.name_or_path, **common)
    family = family_of(config.model_type)
    dtype = pick_dtype(settings, device, family)
    quantization = quantization_config(settings, device, family)
    with _load_errors(settings):
        processor = AutoProcessor.from_pretrained(source.name_or_path, **common)
        if family.detail_at_load and settings.image_detail == "low":
            # The model recomputes each frame's grid from its own list: both must agree.
            config.image_grid_pinpoints = low_pinpoints(family, config)
            processor.image_processor.image_grid_pinpoints = config.image_grid_pinpoints
        model, report = AutoModelForImageTextToText.from_pretrained(
            source.name_or_path,
            config=config,
            dtype=dtype,
            attn_implementation=settings.attn_implementation,
            quantization_config=quantization,
            device_map={"": device.index or 0} if quantization else None,
            output_loading_info=True,
            **common,
        )
    _check_weights(settings, report)
    if quantization is None:
        model.to(device)
    model.eval()
    # Batched generation pads on the left so every prompt ends where generation starts.
    processor.tokenizer.padding_side = "left"
    if processor.tokenizer.pad_token is None:
        processor.tokenizer.pad_token = processor.tokenizer.eos_token
    log.info(
        "loaded %s, %s (%s), on %s as %s at %s image detail in %.1f s",
        settings.model_id,
        family.name,
        source.where,
        device,
        str(dtype).removeprefix("torch."),
        settings.image_detail,
        time.perf_counter() - started,
    )
    return LoadedModel(model, processor, device, dtype, family, settings.image_detail)


@contextmanager
def _load_errors(settings: Settings) -> Iterator[None]:
    """Any failure inside as a `ModelLoadError` that names MODEL_ID (and its revision)."""
    try:
        yield
    except ModelLoadError:
        raise
    except Exception as err:
        revision = f" at revision {settings.model_revision!r}" if settings.model_revision else ""
        raise ModelLoadError(
            f"cannot load MODEL_ID={settings.model_id!r}{revision}: {type(err).__name__}: {err}"
        ) from err


def _check_weights(settings: Settings, report: dict) -> None:
    """Refuse a model whose checkpoint lacks weights its architecture has, or holds others.

    NOTE: transformers 5 only reports these (a checkpoint of another family "loads" with every
    weight missing and random ones in their place), so the worker must not start on it.
    """
    problems = {
        kind: report.get(kind) or [] for kind in ("missing_keys", "unexpected_keys", "mismatched_keys")
    }
    if not any(problems.values()):
        return
    said = "; ".join(
        f"{len(keys)} {kind.replace('_keys', '')} (e.g. {sorted(map(str, keys))[0]})"
        for kind, keys in problems.items()
        if keys
    )
    raise ModelLoadError(f"MODEL_ID={settings.model_id!r} does not match its architecture: weights {said}")
