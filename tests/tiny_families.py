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

from tests.tiny_tokenizer import train_tokenizer

log = logging.getLogger(__name__)

# Shared small sizes: every Linear has in_features >= 64 (bitsandbytes' 4-bit path needs it).
_TEXT = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    max_position_embeddings=4096,
)
_VISION = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
_HALF = dict(image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
_QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def _qwen_tokenizer(vision: list[str], named: dict[str, str], **extra):
    return train_tokenizer(
        [*_QWEN_SPECIALS, *vision], named=named, eos_token="<|im_end|>", pad_token="<|endoftext|>", **extra
    )


def _ids(tokenizer, **tokens: str) -> dict[str, int]:
    return {key: tokenizer.convert_tokens_to_ids(token) for key, token in tokens.items()}


def _text(tokenizer, **overrides) -> dict:
    return {
        **_TEXT,
        "vocab_size": len(tokenizer),
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        **overrides,
    }


# ChatML as Qwen writes it; Qwen2.5-VL adds a default system turn, Qwen3-VL does not.
def _chatml(image: str, system: str | None = None) -> str:
    head = (
        "{% if messages[0]['role'] != 'system' %}<|im_start|>system\n" + system + "<|im_end|>\n{% endif %}"
        if system
        else ""
    )
    return (
        head + "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for item in message['content'] %}{% if item['type'] == 'image' %}"
        + image
        + "{% elif item['type'] "
        "== 'text' %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )


def _qwen_vl(version: str):
    from transformers import Qwen2VLImageProcessor

    tokenizer = _qwen_tokenizer(
        ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"],
        {
            "image_token": "<|image_pad|>",
            "video_token": "<|video_pad|>",
            "vision_start_token": "<|vision_start|>",
            "vision_end_token": "<|vision_end|>",
        },
    )
    ids = _ids(
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
        config_class, template = Qwen2_5_VLConfig, _chatml(_QWEN_IMAGE, "You are a helpful assistant.")
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
        config_class, template = Qwen3VLConfig, _chatml(_QWEN_IMAGE)
    # Qwen's pixel budget (the image-detail knob): here 4 to 64 merged patches per image.
    factor = patch * 2
    size = {"shortest_edge": 4 * factor * factor, "longest_edge": 64 * factor * factor}
    image_processor = Qwen2VLImageProcessor(size=size, patch_size=patch, merge_size=2, **_HALF)
    processor = processor_class(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video(size=size, patch_size=patch, merge_size=2),
        chat_template=template,
    )
    text = _text(tokenizer, rope_parameters=rope)
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
    tokenizer = _qwen_tokenizer(
        [],
        {"image_token": "<|image|>", "video_token": "<|video|>"},
        added=[*image_tokens, "<|image|>", "<|video|>"],
    )
    base_vocab = len(tokenizer) - len(image_tokens) - 2
    ids = _ids(
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
    image_processor = Molmo2ImageProcessor(max_crops=8, **crops, **_HALF)
    # The released template puts the image(s) before the first turn.
    template = (
        "{% for message in messages %}{% if message['content'] is not string %}"
        "{% for item in message['content'] %}{% if item['type'] == 'image' %}<|image|>{% endif %}"
        "{% endfor %}{% endif %}{% endfor %}" + _chatml("")
    )
    processor = Molmo2Processor(
        image_processor=image_processor,
        video_processor=Molmo2VideoProcessor(patch_size=8, pooling_size=[2, 2], **_HALF),
        tokenizer=tokenizer,
        chat_template=template,
        use_frame_special_tokens=False,
    )
    config = Molmo2Config(
        vision_config=dict(_VISION, num_key_value_heads=4, head_dim=16, image_size=[32, 32], patch_size=8),
        adapter_config=dict(
            vision_feature_layer=[-1, -2],
            hidden_size=64,
            num_attention_heads=4,
            num_key_value_heads=4,
            head_dim=16,
            intermediate_size=128,
            text_hidden_size=64,
        ),
        text_config=_text(
            tokenizer, vocab_size=base_vocab, additional_vocab_size=len(tokenizer) - base_vocab
        ),
        **ids,
    )
    return config, processor


def _gemma3():
    from transformers import Gemma3Config, Gemma3ImageProcessor, Gemma3Processor

    named = {
        "boi_token": "<start_of_image>",
        "eoi_token": "<end_of_image>",
        "image_token": "<image_soft_token>",
    }
    tokenizer = train_tokenizer(
        ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>", *named.values()],
        named=named,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
    )
    image_processor = Gemma3ImageProcessor(size={"height": 32, "width": 32}, **_HALF)
    template = (
        "{{ bos_token }}{% for message in messages %}<start_of_turn>"
        "{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n"
        "{% if message['content'] is string %}{{ message['content'] | trim }}{% else %}"
        "{% for item in message['content'] %}{% if item['type'] == 'image' %}<start_of_image>"
        "{% elif item['type'] == 'text' %}{{ item['text'] | trim }}{% endif %}{% endfor %}{% endif %}"
        "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
    )
    # 32-pixel images of 8-pixel patches, average-pooled to 2x2 = 4 image tokens (256 in the real model).
    processor = Gemma3Processor(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=template, image_seq_length=4
    )
    config = Gemma3Config(
        text_config=_text(tokenizer, sliding_window=512, query_pre_attn_scalar=16, model_type="gemma3_text"),
        vision_config=dict(_VISION, image_size=32, patch_size=8, model_type="siglip_vision_model"),
        mm_tokens_per_image=4,
        **_ids(
            tokenizer,
            boi_token_index="<start_of_image>",
            eoi_token_index="<end_of_image>",
            image_token_index="<image_soft_token>",
        ),
    )
    return config, processor


def _smolvlm():
    from transformers import SmolVLMConfig, SmolVLMImageProcessor, SmolVLMProcessor, SmolVLMVideoProcessor

    grid = [f"<row_{row}_col_{col}>" for row in range(1, 5) for col in range(1, 5)]
    tokenizer = train_tokenizer(
        ["<|endoftext|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>", "<image>"]
        + ["<global-img>", *grid],
        named={"image_token": "<image>", "end_of_utterance_token": "<end_of_utterance>"},
        bos_token="<|im_start|>",
        eos_token="<end_of_utterance>",
        pad_token="<|endoftext|>",
    )
    # Frames are resized to a longest edge of 96 and split into 32-pixel tiles plus one global view.
    sizes = dict(size={"longest_edge": 96}, max_image_size={"longest_edge": 32}, **_HALF)
    template = (
        "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
        "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
        "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
        "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
        "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
    )
    processor = SmolVLMProcessor(
        image_processor=SmolVLMImageProcessor(do_image_splitting=True, **sizes),
        tokenizer=tokenizer,
        video_processor=SmolVLMVideoProcessor(**sizes),
        image_seq_len=4,
        chat_template=template,
    )
    config = SmolVLMConfig(
        vision_config=dict(_VISION, image_size=32, patch_size=8),
        text_config=_text(tokenizer, model_type="llama"),
        scale_factor=2,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    return config, processor


def _llava_onevision():
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionImageProcessor,
        LlavaOnevisionProcessor,
        LlavaOnevisionVideoProcessor,
    )

    tokenizer = _qwen_tokenizer(["<image>", "<video>"], {"image_token": "<image>", "video_token": "<video>"})
    # Tiles of 32 pixels in grids up to 4x4: large frames pass the 9-tile budget and get downscaled.
    pinpoints = [[32 * rows, 32 * cols] for rows in range(1, 5) for cols in range(1, 5)]
    image_processor = LlavaOnevisionImageProcessor(
        size={"height": 32, "width": 32}, image_grid_pinpoints=pinpoints, do_pad=True, **_HALF
    )
    # As transformers' conversion script writes it: images first, each on its own line.
    template = (
        "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for item in message['content'] %}{% if item['type'] == 'image' %}{{ '<image>\\n' }}{% endif %}"
        "{% endfor %}"
        "{% for item in message['content'] %}{% if item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
        "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    processor = LlavaOnevisionProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=LlavaOnevisionVideoProcessor(size={"height": 32, "width": 32}, **_HALF),
        num_image_tokens=16,
        vision_feature_select_strategy="full",
        chat_template=template,
        vision_aspect_ratio="anyres_max_9",
    )
    config = LlavaOnevisionConfig(
        vision_config=dict(_VISION, image_size=32, patch_size=8, model_type="siglip_vision_model"),
        text_config=_text(tokenizer, model_type="qwen2"),
        image_grid_pinpoints=pinpoints,
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        vision_aspect_ratio="anyres_max_9",
        **_ids(tokenizer, image_token_index="<image>", video_token_index="<video>"),
    )
    return config, processor


def _internvl():
    from transformers import GotOcr2ImageProcessor, InternVLConfig, InternVLProcessor, InternVLVideoProcessor

    named = {
        "start_image_token": "<img>",
        "end_image_token": "</img>",
        "context_image_token": "<IMG_CONTEXT>",
        "video_token": "<video>",
    }
    tokenizer = _qwen_tokenizer(list(named.values()), named)
    # 32-pixel tiles, up to 4 of them plus a thumbnail; each tile becomes 4 tokens (256 in the real model).
    image_processor = GotOcr2ImageProcessor(
        size={"height": 32, "width": 32}, crop_to_patches=True, min_patches=1, max_patches=4, **_HALF
    )
    processor = InternVLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=InternVLVideoProcessor(size={"height": 32, "width": 32}, **_HALF),
        image_seq_length=4,
        # As transformers' conversion script writes it (no system turn), with the placeholder the
        # processor expands.
        chat_template=_chatml("<IMG_CONTEXT>\n"),
    )
    config = InternVLConfig(
        vision_config=dict(_VISION, image_size=[32, 32], patch_size=[8, 8]),
        text_config=_text(tokenizer, model_type="qwen2"),
        image_seq_length=4,
        downsample_ratio=0.5,
        image_token_id=tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>"),
        tie_word_embeddings=False,
    )
    return config, processor


_BUILDERS: dict[str, Callable[[], tuple]] = {
    "qwen2_5_vl": _qwen2_5_vl,
    "qwen3_vl": _qwen3_vl,
    "molmo2": _molmo2,
    "gemma3": _gemma3,
    "smolvlm": _smolvlm,
    "llava_onevision": _llava_onevision,
    "internvl": _internvl,
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
        from frame_describer.tiny_model import build_tiny_model

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
