"""Shared pieces of the tiny family checkpoints, and the builders of four of the families.

Sizes every tiny model uses, ChatML as the Qwen-based families write it, and the tiny config and
real processor of Gemma 3, SmolVLM2, LLaVA-OneVision and InternVL (`testkit/tiny_families.py` has the
rest and writes them to disk).
"""

from __future__ import annotations

from testkit.tiny_tokenizer import train_tokenizer

# Shared small sizes: every Linear has in_features >= 64 (bitsandbytes' 4-bit path needs it).
TEXT = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    max_position_embeddings=4096,
)
VISION = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
HALF = dict(image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def qwen_tokenizer(vision: list[str], named: dict[str, str], **extra):
    return train_tokenizer(
        [*QWEN_SPECIALS, *vision], named=named, eos_token="<|im_end|>", pad_token="<|endoftext|>", **extra
    )


def token_ids(tokenizer, **tokens: str) -> dict[str, int]:
    return {key: tokenizer.convert_tokens_to_ids(token) for key, token in tokens.items()}


def text_config(tokenizer, **overrides) -> dict:
    return {
        **TEXT,
        "vocab_size": len(tokenizer),
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        **overrides,
    }


# ChatML as Qwen writes it; Qwen2.5-VL adds a default system turn, Qwen3-VL does not.
def chatml(image: str, system: str | None = None) -> str:
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


def gemma3():
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
    image_processor = Gemma3ImageProcessor(size={"height": 32, "width": 32}, **HALF)
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
        text_config=text_config(
            tokenizer, sliding_window=512, query_pre_attn_scalar=16, model_type="gemma3_text"
        ),
        vision_config=dict(VISION, image_size=32, patch_size=8, model_type="siglip_vision_model"),
        mm_tokens_per_image=4,
        **token_ids(
            tokenizer,
            boi_token_index="<start_of_image>",
            eoi_token_index="<end_of_image>",
            image_token_index="<image_soft_token>",
        ),
    )
    return config, processor


def smolvlm():
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
    sizes = dict(size={"longest_edge": 96}, max_image_size={"longest_edge": 32}, **HALF)
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
        vision_config=dict(VISION, image_size=32, patch_size=8),
        text_config=text_config(tokenizer, model_type="llama"),
        scale_factor=2,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    return config, processor


def llava_onevision():
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionImageProcessor,
        LlavaOnevisionProcessor,
        LlavaOnevisionVideoProcessor,
    )

    tokenizer = qwen_tokenizer(["<image>", "<video>"], {"image_token": "<image>", "video_token": "<video>"})
    # Tiles of 32 pixels in grids up to 4x4: large frames pass the 9-tile budget and get downscaled.
    pinpoints = [[32 * rows, 32 * cols] for rows in range(1, 5) for cols in range(1, 5)]
    image_processor = LlavaOnevisionImageProcessor(
        size={"height": 32, "width": 32}, image_grid_pinpoints=pinpoints, do_pad=True, **HALF
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
        video_processor=LlavaOnevisionVideoProcessor(size={"height": 32, "width": 32}, **HALF),
        num_image_tokens=16,
        vision_feature_select_strategy="full",
        chat_template=template,
        vision_aspect_ratio="anyres_max_9",
    )
    config = LlavaOnevisionConfig(
        vision_config=dict(VISION, image_size=32, patch_size=8, model_type="siglip_vision_model"),
        text_config=text_config(tokenizer, model_type="qwen2"),
        image_grid_pinpoints=pinpoints,
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        vision_aspect_ratio="anyres_max_9",
        **token_ids(tokenizer, image_token_index="<image>", video_token_index="<video>"),
    )
    return config, processor


def internvl():
    from transformers import GotOcr2ImageProcessor, InternVLConfig, InternVLProcessor, InternVLVideoProcessor

    named = {
        "start_image_token": "<img>",
        "end_image_token": "</img>",
        "context_image_token": "<IMG_CONTEXT>",
        "video_token": "<video>",
    }
    tokenizer = qwen_tokenizer(list(named.values()), named)
    # 32-pixel tiles, up to 4 of them plus a thumbnail; each tile becomes 4 tokens (256 in the real model).
    image_processor = GotOcr2ImageProcessor(
        size={"height": 32, "width": 32}, crop_to_patches=True, min_patches=1, max_patches=4, **HALF
    )
    processor = InternVLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=InternVLVideoProcessor(size={"height": 32, "width": 32}, **HALF),
        image_seq_length=4,
        # As transformers' conversion script writes it (no system turn), with the placeholder the
        # processor expands.
        chat_template=chatml("<IMG_CONTEXT>\n"),
    )
    config = InternVLConfig(
        vision_config=dict(VISION, image_size=[32, 32], patch_size=[8, 8]),
        text_config=text_config(tokenizer, model_type="qwen2"),
        image_seq_length=4,
        downsample_ratio=0.5,
        image_token_id=tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>"),
        tie_word_embeddings=False,
    )
    return config, processor
