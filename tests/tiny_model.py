"""Build a tiny, randomly initialised LLaVA-NeXT checkpoint on disk, with no hub access.

The checkpoint has the same architecture, processor and chat template as
`llava-hf/llava-v1.6-mistral-7b-hf`, only with small sizes, so loading it through
`MODEL_ID` runs the production code path on a CPU in well under a second per job.
Used by the tests, by the benchmark on CPU and by the README's local run:

    python -m tests.tiny_model .tiny-model
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

_CORPUS = [
    "Wide shot with dark gradient background. White sans-serif text centered, large bold title.",
    "Subtle particle effects floating. High contrast, cinematic color grading with cooler tones.",
    "Close-up of a face, shallow depth of field, warm key light from the left, soft glow and blur.",
    "Describe this video frame for a production team: camera angle and framing, visual effects,",
    "smoke, fire, particles, colour grading and lighting, composition, text overlays, background.",
    "No text overlay detected. Medium shot, low angle, handheld camera, neon lights, lens flare.",
]
_SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>", "<image>"]
_PINPOINTS = [[32, 64], [64, 32], [64, 64], [96, 32], [32, 96]]


def _build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    core = Tokenizer(models.BPE(unk_token="<unk>"))
    # Metaspace (sentencepiece-style) keeps decoded text readable, unlike byte-level BPE
    # whose random byte sequences decode to broken UTF-8.
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=_SPECIAL_TOKENS)
    core.train_from_iterator(_CORPUS, trainer=trainer)
    return wrap_tokenizer(core)


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

    folder = Path(folder)
    tokenizer = _build_tokenizer()
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
        vision_config=CLIPVisionConfig(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=32,
            patch_size=8,
            projection_dim=64,
        ),
        text_config=MistralConfig(
            vocab_size=vocab_size,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            max_position_embeddings=4096,
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
