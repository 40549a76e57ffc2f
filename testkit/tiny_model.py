"""Build a tiny, randomly initialised LLaVA-NeXT checkpoint on disk, with no hub access.

The checkpoint has the same architecture, processor and chat template as
`llava-hf/llava-v1.6-mistral-7b-hf`, only with small sizes, so loading it through
`MODEL_ID` runs the production code path on a CPU in well under a second per job.
Used by the tests, by the benchmark on CPU and by the README's local run:

    python -m testkit.tiny_model .tiny-model
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)

# The real checkpoint's template renders `[INST] <image>\n{text} [/INST]`.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}[INST] "
    "{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<image>\n{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %} [/INST]"
    "{% else %}{% for item in message['content'] %}{{ item['text'] }}{% endfor %}{{ eos_token }}{% endif %}"
    "{% endfor %}"
)

# The real checkpoint's special tokens, at the same relative ids.
LLAVA_SPECIALS = ["<unk>", "<s>", "</s>", "<pad>", "<image>"]
_PINPOINTS = [[32, 64], [64, 32], [64, 64], [96, 32], [32, 96]]


def build_tokenizer():
    """The tiny LLaVA-NeXT tokenizer: the real one's specials, trained on production-like text."""
    from testkit.tiny_tokenizer import train_tokenizer

    return train_tokenizer(
        LLAVA_SPECIALS,
        named={"image_token": "<image>"},
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
    )


def wrap_tokenizer(core):
    """A `tokenizers.Tokenizer` as the LLaVA-NeXT tokenizer: its specials, padding on the left."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        padding_side="left",
        extra_special_tokens={"image_token": "<image>"},
    )


def build_tiny_model(folder: str | Path, seed: int = 0) -> Path:
    """Write a tiny random LLaVA-NeXT model and its processor into `folder` and return it."""
    import torch
    from transformers import (
        CLIPVisionConfig,
        LlavaNextConfig,
        LlavaNextForConditionalGeneration,
        LlavaNextProcessor,
        MistralConfig,
    )
    from transformers.models.llava_next import LlavaNextImageProcessorPil

    from testkit.tiny_parts import TEXT, VISION

    folder = Path(folder)
    tokenizer = build_tokenizer()
    image_processor = LlavaNextImageProcessorPil(
        size={"shortest_edge": 32},
        crop_size={"height": 32, "width": 32},
        image_grid_pinpoints=_PINPOINTS,
    )
    processor = LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
    )
    vocab_size = len(tokenizer)
    config = LlavaNextConfig(
        vision_config=CLIPVisionConfig(**VISION, image_size=32, patch_size=8, projection_dim=64),
        text_config=MistralConfig(
            vocab_size=vocab_size,
            **TEXT,
            sliding_window=None,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        ),
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
        image_grid_pinpoints=_PINPOINTS,
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlavaNextForConditionalGeneration(config).eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    log.info("tiny LLaVA-NeXT written to %s", folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to write the checkpoint")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    build_tiny_model(args.folder, seed=args.seed)


if __name__ == "__main__":
    main()
