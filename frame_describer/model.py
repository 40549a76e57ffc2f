"""Load LLaVA-NeXT and its processor once, as the settings say, or fail with a clear message.

Production and tests load the same way: `MODEL_ID` names a hub id (baked into the image, in
RunPod's model cache or in `HF_HOME`: `model_source.py` finds it) or a local folder such as the
tiny test checkpoint, on the device `device.py` picks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import torch

from .device import pick_device
from .errors import ModelLoadError
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

    @property
    def image_token_id(self) -> int:
        """The token that stands for image features in the prompt."""
        return self.model.config.image_token_id


def pick_dtype(settings: Settings, device: torch.device) -> torch.dtype:
    """fp16 on CUDA and fp32 on CPU unless MODEL_DTYPE names one; CPU kernels lack fast fp16."""
    if settings.dtype == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    return getattr(torch, settings.dtype)


def quantization_config(settings: Settings, device: torch.device):
    if settings.quantization == "none":
        return None
    if device.type != "cuda":
        raise ModelLoadError(f"QUANTIZATION={settings.quantization} needs a CUDA GPU")
    from transformers import BitsAndBytesConfig

    # NOTE: the vision tower and projector stay in fp16: they are small, and quantizing
    # them costs quality for no memory worth having. Full prefixes are required.
    skip = ["model.vision_tower", "model.multi_modal_projector", "lm_head"]
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
    from transformers import AutoProcessor, LlavaNextForConditionalGeneration

    device = pick_device(settings.device)
    dtype = pick_dtype(settings, device)
    quantization = quantization_config(settings, device)
    source = resolve_model_source(settings)
    common = dict(revision=source.revision)
    started = time.perf_counter()
    try:
        processor = AutoProcessor.from_pretrained(source.name_or_path, **common)
        model = LlavaNextForConditionalGeneration.from_pretrained(
            source.name_or_path,
            dtype=dtype,
            attn_implementation=settings.attn_implementation,
            quantization_config=quantization,
            device_map={"": device.index or 0} if quantization else None,
            **common,
        )
    except Exception as err:
        raise ModelLoadError(
            f"cannot load MODEL_ID={settings.model_id!r}"
            f"{f' at revision {settings.model_revision!r}' if settings.model_revision else ''}: "
            f"{type(err).__name__}: {err}"
        ) from err
    if quantization is None:
        model.to(device)
    model.eval()
    # Batched generation pads on the left so every prompt ends where generation starts.
    processor.tokenizer.padding_side = "left"
    if processor.tokenizer.pad_token is None:
        processor.tokenizer.pad_token = processor.tokenizer.eos_token
    log.info(
        "loaded %s (%s) on %s as %s in %.1f s",
        settings.model_id,
        source.where,
        device,
        str(dtype).removeprefix("torch."),
        time.perf_counter() - started,
    )
    return LoadedModel(model=model, processor=processor, device=device, dtype=dtype)
