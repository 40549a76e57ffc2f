"""Tiny random checkpoints of every supported vision-language family, written to disk offline.

`build_tiny(family, folder)` writes a model of the family's real architecture class (hidden
sizes 64, two layers, ~1-5 MB) and the family's real processor (its own image processor, video
processor and processor classes, sized small, with a chat template that renders what the released
checkpoint's renders), so `AutoProcessor.from_pretrained(folder)` and
`AutoModelForImageTextToText.from_pretrained(folder)` run the very code path a real checkpoint
does. Most families' processors need torchvision; SmolVLM's also needs num2words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from testkit import tiny_parts
from testkit.tiny_parts import HALF, VISION, chatml, qwen_tokenizer, text_config, token_ids

log = logging.getLogger(__name__)


def _qwen_vl(version: str):
    from transformers import Qwen2VLImageProcessor

    tokenizer = qwen_tokenizer(
        ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"],
        {
            "image_token": "<|image_pad|>",
            "video_token": "<|video_pad|>",
            "vision_start_token": "<|vision_start|>",
            "vision_end_token": "<|vision_end|>",
        },
    )
    ids = token_ids(
        tokenizer,
        image_token_id="<|image_pad|>",
        video_token_id="<|video_pad|>",
        vision_start_token_id="<|vision_start|>",
        vision_end_token_id="<|vision_end|>",
    )
    vision = dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=4, out_hidden_size=64)
    if version == "2.5":
        from transformers import Qwen2_5_VLConfig, Qwen2_5_VLProcessor, Qwen2VLVideoProcessor

        patch, processor_class, video = 14, Qwen2_5_VLProcessor, Qwen2VLVideoProcessor
        # A window of 2x2 merged patches and one full-attention block, as the real 4-of-32.
        vision.update(patch_size=14, window_size=56, fullatt_block_indexes=[1])
        rope = {"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]}
        config_class, template = Qwen2_5_VLConfig, chatml(_QWEN_IMAGE, "You are a helpful assistant.")
    else:
        from transformers import Qwen3VLConfig, Qwen3VLProcessor, Qwen3VLVideoProcessor

        patch, processor_class, video = 16, Qwen3VLProcessor, Qwen3VLVideoProcessor
        vision.update(patch_size=16, num_position_embeddings=64, deepstack_visual_indexes=[0])
        rope = {
            "rope_type": "default",
            "rope_theta": 5e6,
            "mrope_section": [4, 2, 2],
            "mrope_interleaved": True,
        }
        config_class, template = Qwen3VLConfig, chatml(_QWEN_IMAGE)
    # Qwen's pixel budget (the image-detail knob): here 4 to 64 merged patches per image.
    factor = patch * 2
    size = {"shortest_edge": 4 * factor * factor, "longest_edge": 64 * factor * factor}
    image_processor = Qwen2VLImageProcessor(size=size, patch_size=patch, merge_size=2, **HALF)
    processor = processor_class(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video(size=size, patch_size=patch, merge_size=2),
        chat_template=template,
    )
    text = text_config(tokenizer, rope_parameters=rope)
    if version == "2.5":
        text.pop("head_dim")
    config = config_class(text_config=text, vision_config=vision, **ids)
    return config, processor


_QWEN_IMAGE = "<|vision_start|><|image_pad|><|vision_end|>"


def _qwen2_5_vl():
    return _qwen_vl("2.5")


def _qwen3_vl():
    return _qwen_vl("3")


def _molmo2():
    from transformers import Molmo2Config, Molmo2ImageProcessor, Molmo2Processor, Molmo2VideoProcessor

    image_tokens = [
        "<im_start>",
        "<im_end>",
        "<im_patch>",
        "<im_col>",
        "<low_res_im_start>",
        "<frame_start>",
        "<frame_end>",
        "<im_low>",
    ]
    # NOTE: as in the released checkpoints, the image tokens sit after the text vocabulary, in
    # the embedding's "additional vocabulary" that the output head does not cover.
    tokenizer = qwen_tokenizer(
        [],
        {"image_token": "<|image|>", "video_token": "<|video|>"},
        added=[*image_tokens, "<|image|>", "<|video|>"],
    )
    base_vocab = len(tokenizer) - len(image_tokens) - 2
    ids = token_ids(
        tokenizer,
        image_start_token_id="<im_start>",
        low_res_image_start_token_id="<low_res_im_start>",
        image_end_token_id="<im_end>",
        image_patch_id="<im_patch>",
        frame_start_token_id="<frame_start>",
        frame_end_token_id="<frame_end>",
    )
    # 32-pixel crops of 8-pixel patches with one patch of overlap on each side, at most 8 crops (as real).
    crops = dict(size={"height": 32, "width": 32}, patch_size=8, overlap_margins=[1, 1], pooling_size=[2, 2])
    image_processor = Molmo2ImageProcessor(max_crops=8, **crops, **HALF)
    # The released template puts the image(s) before the first turn.
    template = (
        "{% for message in messages %}{% if message['content'] is not string %}"
        "{% for item in message['content'] %}{% if item['type'] == 'image' %}<|image|>{% endif %}"
        "{% endfor %}{% endif %}{% endfor %}" + chatml("")
    )
    processor = Molmo2Processor(
        image_processor=image_processor,
        video_processor=Molmo2VideoProcessor(patch_size=8, pooling_size=[2, 2], **HALF),
        tokenizer=tokenizer,
        chat_template=template,
        use_frame_special_tokens=False,
    )
    config = Molmo2Config(
        vision_config=dict(VISION, num_key_value_heads=4, head_dim=16, image_size=[32, 32], patch_size=8),
        adapter_config=dict(
            vision_feature_layer=[-1, -2],
            hidden_size=64,
            num_attention_heads=4,
            num_key_value_heads=4,
            head_dim=16,
            intermediate_size=128,
            text_hidden_size=64,
        ),
        text_config=text_config(
            tokenizer, vocab_size=base_vocab, additional_vocab_size=len(tokenizer) - base_vocab
        ),
        **ids,
    )
    return config, processor


_BUILDERS: dict[str, Callable[[], tuple]] = {
    "qwen2_5_vl": _qwen2_5_vl,
    "qwen3_vl": _qwen3_vl,
    "molmo2": _molmo2,
    "gemma3": tiny_parts.gemma3,
    "smolvlm": tiny_parts.smolvlm,
    "llava_onevision": tiny_parts.llava_onevision,
    "internvl": tiny_parts.internvl,
}
FAMILIES = ("llava_next", *_BUILDERS)


def tiny_parts(family: str) -> tuple:
    """The tiny model config and the processor of `family` (not LLaVA-NeXT), not yet saved."""
    return _BUILDERS[family]()


def _let_images_matter(family: str, model) -> None:
    """Re-draw projector weights at unit gain where random init leaves the image features null.

    NOTE: at random init Gemma 3's image projection is all zeros and Molmo 2's four stacked
    projections shrink features to ~1e-7, so the image would not change a single generated
    token and a test could not notice two frames' images swapped inside a batch.
    """
    import torch

    projector = getattr(model.model, "multi_modal_projector", None)
    if family == "gemma3":
        # Applied as `features @ weight`: the fan-in is the first dimension.
        weights = [(projector.mm_input_projection_weight, projector.mm_input_projection_weight.shape[0])]
    elif family == "molmo2":
        weights = [(m.weight, m.in_features) for m in projector.modules() if isinstance(m, torch.nn.Linear)]
    else:
        return
    with torch.no_grad():
        for weight, fan_in in weights:
            weight.normal_(0.0, fan_in**-0.5)


def build_tiny(family: str, folder: str | Path, seed: int = 0) -> Path:
    """Write a tiny random checkpoint of `family` (one of `FAMILIES`) into `folder`; return it."""
    import torch
    from transformers import AutoModelForImageTextToText

    folder = Path(folder)
    if family == "llava_next":
        from testkit.tiny_model import build_tiny_model

        return build_tiny_model(folder, seed=seed)
    if family not in _BUILDERS:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    config, processor = tiny_parts(family)
    tokenizer = processor.tokenizer
    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(config).eval()
    _let_images_matter(family, model)
    generation = model.generation_config
    generation.pad_token_id = tokenizer.pad_token_id
    generation.eos_token_id = tokenizer.eos_token_id
    generation.bos_token_id = tokenizer.bos_token_id
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    log.info("tiny %s written to %s", family, folder)
    return folder
