"""What truly differs between the supported model families; everything else is one code path.

Every family loads with `AutoProcessor` and `AutoModelForImageTextToText`, takes the same chat
message (one image, then the prompt), batches by the same collation and generates the same way.
The table says, per family: which `model_type`s it covers, the dtype it runs in on a GPU, the
modules bitsandbytes must leave alone (full paths: a bare "vision_tower" is silently ignored),
and its image-detail knob. Batching quirks live with the collation (`preprocess.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import ModelLoadError


@dataclass(frozen=True)
class Family:
    """One family of image-text-to-text models."""

    name: str
    model_types: tuple[str, ...]
    gpu_dtype: str  # MODEL_DTYPE=auto on a GPU: the dtype its checkpoints are trained and shipped in
    skip_modules: tuple[str, ...]  # kept in 16-bit under QUANTIZATION
    # The image processor -> processor keyword arguments per detail ("high" and "low"), scaled
    # from the checkpoint's own settings so they mean the same for every size of a family.
    detail: Callable[[object], dict[str, dict]] = lambda image_processor: {"high": {}, "low": {}}
    # LLaVA's anyres families: `low` keeps only these grids (rows x columns of the vision tower's
    # input size), set at load on processor and model config alike, since the model recomputes
    # each frame's grid from its own list: one detail per worker.
    low_grids: tuple[tuple[int, int], ...] = ()

    @property
    def detail_at_load(self) -> bool:
        return bool(self.low_grids)


_LLAVA_SKIP = ("model.vision_tower", "model.multi_modal_projector", "lm_head")


def _qwen_detail(image_processor) -> dict[str, dict]:
    # Qwen resizes to a pixel budget: low keeps 1/64 of the checkpoint's largest (256 merged
    # patches for both Qwen2.5-VL and Qwen3-VL), high is the checkpoint's own.
    size = dict(image_processor.size)
    low = {**size, "longest_edge": max(size["shortest_edge"], size["longest_edge"] // 64)}
    return {"high": {}, "low": {"size": low}}


def _molmo_detail(image_processor) -> dict[str, dict]:
    return {"high": {}, "low": {"max_crops": max(1, image_processor.max_crops // 4)}}


FAMILIES = (
    Family("LLaVA-NeXT", ("llava_next",), "float16", _LLAVA_SKIP, low_grids=((1, 2), (2, 1))),
    Family("Qwen2.5-VL", ("qwen2_5_vl",), "bfloat16", ("model.visual", "lm_head"), _qwen_detail),
    Family("Qwen3-VL", ("qwen3_vl",), "bfloat16", ("model.visual", "lm_head"), _qwen_detail),
    Family("Molmo 2", ("molmo2",), "bfloat16", _LLAVA_SKIP, _molmo_detail),
    # NOTE: bf16, not fp16: Gemma 3's activations are known to overflow in fp16. Pan-and-scan
    # (off in the checkpoint) is what gives a wide frame more than one 896 px crop.
    Family(
        "Gemma 3",
        ("gemma3",),
        "bfloat16",
        _LLAVA_SKIP,
        lambda _: {"high": {"do_pan_and_scan": True}, "low": {"do_pan_and_scan": False}},
    ),
    Family(
        "SmolVLM2",
        ("smolvlm",),
        "bfloat16",
        ("model.vision_model", "model.connector", "lm_head"),
        lambda _: {"high": {}, "low": {"do_image_splitting": False}},
    ),
    Family(
        "LLaVA-OneVision",
        ("llava_onevision",),
        "float16",
        _LLAVA_SKIP,
        low_grids=((1, 1), (1, 2), (2, 1), (2, 2)),
    ),
    Family(
        "InternVL3", ("internvl",), "bfloat16", _LLAVA_SKIP, lambda _: {"high": {}, "low": {"max_patches": 1}}
    ),
)


def family_of(model_type: str) -> Family:
    """The family serving `model_type`; `ModelLoadError` naming the supported ones otherwise."""
    for family in FAMILIES:
        if model_type in family.model_types:
            return family
    supported = ", ".join(f"{f.name} ({'/'.join(f.model_types)})" for f in FAMILIES)
    raise ModelLoadError(f"model type {model_type!r} is not supported; supported: {supported}")


def low_pinpoints(family: Family, config) -> list[list[int]]:
    """The grid pinpoints `low` detail keeps, in pixels of this checkpoint's vision tower."""
    unit = config.vision_config.image_size
    return [[rows * unit, cols * unit] for rows, cols in family.low_grids]
