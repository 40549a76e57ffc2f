"""Every supported family at full size with random weights, for the benchmark on a GPU.

`bench/configs/<family>.json` is the architecture of the released checkpoint the README names
(sources in `bench/configs/SOURCES.md`). The model is built from it with random weights directly
on the device, so every matrix has its real shape and the GPU does the real work per token; no
weights are downloaded. `layers` keeps that many layers per tower at real widths, so the same code
runs on a CPU (the dry run and the tests).

The processor is the family's real processor class with the released checkpoint's image settings
(`testkit/real_processors.py`, the same builders the worker's tests use) around a stand-in tokenizer
(`bench/tokenizer.py`) whose special tokens sit at the ids below: the config's where it names one,
else the released tokenizer's.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import torch

from frame_describer.families import family_of
from frame_describer.model import LoadedModel

log = logging.getLogger(__name__)

CONFIGS = Path(__file__).with_name("configs")

# Each family's special tokens: a config attribute (dotted for the text config) or a literal id.
_QWEN_CHAT = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645}
_QWEN_VISION = {
    "<|vision_start|>": "vision_start_token_id",
    "<|vision_end|>": "vision_end_token_id",
    "<|image_pad|>": "image_token_id",
    "<|video_pad|>": "video_token_id",
}
TOKEN_IDS: dict[str, dict[str, str | int]] = {
    "llava_next": {
        "<unk>": 0,
        "<s>": "text_config.bos_token_id",
        "</s>": "text_config.eos_token_id",
        "<image>": "image_token_id",
        "<pad>": 32001,
    },
    "qwen2_5_vl": {**_QWEN_CHAT, **_QWEN_VISION, "<|vision_pad|>": "vision_token_id"},
    "qwen3_vl": {**_QWEN_CHAT, **_QWEN_VISION},
    "molmo2": {
        **_QWEN_CHAT,
        "<im_start>": "image_start_token_id",
        "<im_end>": "image_end_token_id",
        "<im_patch>": "image_patch_id",  # also image_high_res_id
        "<im_col>": "image_col_id",
        "<low_res_im_start>": "low_res_image_start_token_id",
        "<im_low>": "image_low_res_id",
        "<frame_start>": "frame_start_token_id",
        "<frame_end>": "frame_end_token_id",
    },
    "gemma3": {
        "<pad>": "text_config.pad_token_id",
        "<eos>": "text_config.eos_token_id",
        "<bos>": "text_config.bos_token_id",
        "<unk>": 3,
        "<start_of_turn>": 105,
        "<end_of_turn>": 106,  # the config's second eos_token_id
        "<start_of_image>": "boi_token_id",
        "<end_of_image>": "eoi_token_id",
        "<image_soft_token>": "image_token_id",
    },
    "smolvlm": {
        "<|endoftext|>": 0,
        "<|im_start|>": "text_config.bos_token_id",
        "<|im_end|>": "text_config.eos_token_id",  # also the text config's pad_token_id
        "<global-img>": 49152,
        **{f"<row_{r}_col_{c}>": 49153 + 6 * (r - 1) + (c - 1) for r in range(1, 7) for c in range(1, 7)},
        "<fake_token_around_image>": 49189,
        "<image>": "image_token_id",
        "<end_of_utterance>": 49279,
    },
    "llava_onevision": {**_QWEN_CHAT, "<image>": "image_token_id", "<video>": "video_token_id"},
    "internvl": {**_QWEN_CHAT, "<img>": 151665, "</img>": 151666, "<IMG_CONTEXT>": "image_token_id"},
}
FAMILIES = tuple(TOKEN_IDS)

# Image tokens (features) the family's real processor gives a frame at `high` detail
# (`python -m testkit.real_processors`); the processor built here must agree.
EXPECTED_IMAGE_TOKENS: dict[str, dict[tuple[int, int], int]] = {
    # anyres, default pinpoints: 854x480 is a hair wider than 16:9 and loses a row pair.
    "llava_next": {(854, 480): 1850, (1280, 720): 1948, (1920, 1080): 1948, (640, 480): 2340},
    "qwen2_5_vl": {(854, 480): 510},
    "qwen3_vl": {(854, 480): 405},
    "molmo2": {(854, 480): 955},
    "gemma3": {(854, 480): 768},  # pan-and-scan: three 896 px crops
    "smolvlm": {(854, 480): 1053},
    "llava_onevision": {(854, 480): 4501},
    "internvl": {(854, 480): 768},
}


def load_config(family: str, layers: int | None = None):
    """The released checkpoint's config; with `layers`, that many layers in each tower."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    raw = json.loads((CONFIGS / f"{family}.json").read_text())
    if layers is not None:
        _shrink(raw, layers)
    return CONFIG_MAPPING[raw["model_type"]].from_dict(raw)


def _shrink(raw: dict, layers: int) -> None:
    """Cut the towers of a raw config to `layers` layers, keeping every width."""
    text = raw.get("text_config", raw)  # Qwen2.5-VL keeps its language model's keys at the top
    text["num_hidden_layers"] = layers
    if "layer_types" in text:
        text["layer_types"] = text["layer_types"][:layers]
    if "rope_scaling_layers" in text:
        text["rope_scaling_layers"] = [i for i in text["rope_scaling_layers"] if i < layers]
    vision = raw["vision_config"]
    # NOTE: LLaVA-NeXT reads its image features from the second-to-last layer, so it keeps two.
    feature_layer = raw.get("vision_feature_layer", -1)
    depth = max(layers, -feature_layer if isinstance(feature_layer, int) and feature_layer < 0 else 1)
    vision["depth" if "depth" in vision else "num_hidden_layers"] = depth
    # Layer indexes into the vision tower (Qwen's deepstack and full-attention blocks, Molmo 2's
    # feature layers) move to its last layer where theirs is gone: same count, same shapes.
    for owner, key in [
        (vision, "deepstack_visual_indexes"),
        (vision, "fullatt_block_indexes"),
        (raw.get("adapter_config", {}), "vision_feature_layer"),
    ]:
        if key in owner:
            owner[key] = [min(i, depth - 1) for i in owner[key]]


def token_ids(family: str, config) -> dict[str, int]:
    """Each special token of `family` and the id the model (or the released tokenizer) gives it."""
    resolved = {}
    for token, where in TOKEN_IDS[family].items():
        if isinstance(where, str):
            owner, _, name = where.rpartition(".")
            where = getattr(getattr(config, owner) if owner else config, name)
        resolved[token] = int(where)
    return resolved


def vocab_size(config) -> int:
    """Rows of the input embedding: Molmo 2's image tokens sit in an extra vocabulary after the text's."""
    text = config.text_config
    return text.vocab_size + (getattr(text, "additional_vocab_size", 0) or 0)


def build_processor(family: str, config, prompt: str):
    """The family's real processor around a stand-in tokenizer of the config's size and ids."""
    from testkit.real_processors import real_processor

    from .tokenizer import like

    ids = token_ids(family, config)
    return real_processor(family, lambda template: like(template, vocab_size(config), ids, [prompt]))


def build_model(config, dtype: torch.dtype, device: torch.device, attn_implementation: str, tokenizer):
    """Random weights of the exact shapes, created directly on `device`."""
    from transformers import AutoModelForImageTextToText

    started = time.perf_counter()
    with device:
        model = AutoModelForImageTextToText.from_config(
            config, dtype=dtype, attn_implementation=attn_implementation
        )
    model.eval()
    generation = model.generation_config
    generation.bos_token_id = tokenizer.bos_token_id
    generation.eos_token_id = tokenizer.eos_token_id
    generation.pad_token_id = tokenizer.pad_token_id
    log.info(
        "built %.3f B random parameters on %s in %.1f s",
        sum(p.numel() for p in model.parameters()) / 1e9,
        device,
        time.perf_counter() - started,
    )
    return model


def build(family: str, dtype: str, attn_implementation: str, prompt: str, layers: int | None) -> LoadedModel:
    """`family` at full size (or `layers` deep) on the GPU, else the CPU, at `high` image detail."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu" and layers is None:
        raise SystemExit(f"--model {family} on a CPU needs --layers N (billions of parameters at full depth)")
    config = load_config(family, layers)
    torch_dtype = getattr(torch, dtype)
    processor = build_processor(family, config, prompt)
    model = build_model(config, torch_dtype, device, attn_implementation, processor.tokenizer)
    return LoadedModel(model, processor, device, torch_dtype, family_of(config.model_type), "high")


def parameter_count(config) -> int:
    """Parameters of a model of `config`, counted on the meta device (no memory, no GPU)."""
    from transformers import AutoModelForImageTextToText

    with torch.device("meta"):
        model = AutoModelForImageTextToText.from_config(config)
    return sum(p.numel() for p in model.parameters())


def text_tokens(processor, prompt: str) -> int:
    """Tokens of LLaVA-NeXT's chat text around the image placeholder, for `prompt`."""
    from frame_describer.prompt import chat_messages

    text = processor.apply_chat_template(chat_messages(prompt), add_generation_prompt=True)
    ids = processor.tokenizer(text, add_special_tokens=False)["input_ids"]
    return len(ids) - ids.count(processor.tokenizer.image_token_id)
