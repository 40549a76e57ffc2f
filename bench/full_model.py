"""The full-size LLaVA-NeXT v1.6 Mistral-7B with random weights, and its processor, without the hub.

The architecture comes from the real checkpoint's `config.json` (copied next to this file), so
every matrix has its real shape and the GPU does the real work per token. The processor uses the
real checkpoint's image settings, so a frame expands to the real number of image tokens (1,948
for 16:9). The tokenizer is built here: with random weights the text of a token does not matter,
only how many tokens a prompt becomes, so it splits text about as finely as Mistral's
SentencePiece does for English (the production prompt becomes ~105 tokens) and has the real
vocabulary size, with `<image>` at the real id 32000.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import torch

log = logging.getLogger(__name__)

CONFIG_PATH = Path(__file__).with_name("llava-v1.6-mistral-7b-hf.config.json")

# The real checkpoint's preprocessor_config.json: CLIP-L/336 crops, bicubic, OpenAI CLIP statistics.
_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
_CROP = 336

# Pieces of at most 7 letters, single digits and single punctuation marks, each with its leading
# space marker: on English prose this gives about as many tokens as Mistral's tokenizer
# (one per short word, two for long ones, one per punctuation mark).
_PIECE = r"▁?(?:[A-Za-z]{1,7}|\d|[^\sA-Za-z\d▁])|▁"
# Text the tokenizer should hold whole-piece tokens for; anything else falls back to characters.
_TRAINING_TEXT = [
    "[INST] <image>\n [/INST]",
    "Wide shot with dark gradient background (#1a1a2e to #16213e). White sans-serif text centered, "
    "large bold title. Subtle particle effects floating. High contrast, cinematic color grading "
    "with cooler tones.",
    "Close-up, low angle, handheld camera; warm key light from the left, lens flare and soft blur. "
    "If there is no text, say 'No text overlay detected'.",
]
_SPECIALS = ["<unk>", "<s>", "</s>"]
_IMAGE_TOKEN_ID = 32000  # as in the real tokenizer; the model config's image_token_index agrees
_PAD_TOKEN_ID = 32001


def load_config():
    """The real model's `LlavaNextConfig`, read from the copied config file."""
    from transformers import LlavaNextConfig

    config = LlavaNextConfig.from_dict(json.loads(CONFIG_PATH.read_text()))
    if config.image_token_index != _IMAGE_TOKEN_ID:
        raise ValueError(f"{CONFIG_PATH.name}: image_token_index is {config.image_token_index}")
    return config


def build_tokenizer(vocab_size: int, extra_text: Sequence[str] = ()):
    """A fast tokenizer of `vocab_size` entries with `<image>` at 32000 and `<pad>` at 32001.

    `extra_text` (the prompt) gets whole-piece tokens, so it tokenizes to its piece count.
    """
    import string

    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    from frame_describer.tiny_model import wrap_tokenizer

    pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(prepend_scheme="always", split=False),
            pre_tokenizers.Split(Regex(_PIECE), behavior="isolated"),
        ]
    )
    trainer_core = Tokenizer(models.BPE(unk_token="<unk>"))
    trainer_core.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=4000,  # more than the training text has pieces: every piece it holds is one token
        special_tokens=_SPECIALS,
        initial_alphabet=list(string.printable.strip()) + ["▁", "\n"],
    )
    trainer_core.train_from_iterator([*_TRAINING_TEXT, *extra_text], trainer=trainer)
    state = json.loads(trainer_core.to_str())["model"]
    vocab: dict[str, int] = dict(state["vocab"])
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    if not len(vocab) < _IMAGE_TOKEN_ID < _PAD_TOKEN_ID < vocab_size:
        raise ValueError(f"cannot place <image> and <pad> in a vocabulary of {vocab_size}")
    # Unused entries fill the vocabulary to the real size; the random model emits them freely.
    for token_id in range(len(vocab), vocab_size):
        if token_id == _IMAGE_TOKEN_ID:
            vocab["<image>"] = token_id
        elif token_id == _PAD_TOKEN_ID:
            vocab["<pad>"] = token_id
        else:
            vocab[f"▁w{token_id}"] = token_id
    core = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizer
    core.decoder = decoders.Metaspace(prepend_scheme="always", split=False)
    core.add_special_tokens([*_SPECIALS, "<image>", "<pad>"])
    return wrap_tokenizer(core)


def build_processor(config, prompt: str):
    """The real checkpoint's processor settings around the locally built tokenizer."""
    from transformers import LlavaNextProcessor
    from transformers.models.llava_next import LlavaNextImageProcessorPil

    from frame_describer.tiny_model import CHAT_TEMPLATE

    # NOTE: the PIL image processor, as in the worker's image (its requirements hold no
    # torchvision), so the benchmark's preprocessing costs what production's does.
    image_processor = LlavaNextImageProcessorPil(
        size={"shortest_edge": _CROP},
        crop_size={"height": _CROP, "width": _CROP},
        image_grid_pinpoints=config.image_grid_pinpoints,
        image_mean=_CLIP_MEAN,
        image_std=_CLIP_STD,
        do_pad=True,
    )
    return LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=build_tokenizer(config.text_config.vocab_size, [prompt]),
        patch_size=config.vision_config.patch_size,
        vision_feature_select_strategy=config.vision_feature_select_strategy,
        # The real checkpoint counts CLIP's class token; the v5 default of 0 undercounts by one.
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
    )


def build_model(config, dtype: torch.dtype, device: torch.device, attn_implementation: str):
    """Random weights of the exact shapes, created directly on `device`."""
    from transformers import LlavaNextForConditionalGeneration

    started = time.perf_counter()
    with device:
        model = LlavaNextForConditionalGeneration._from_config(
            config, dtype=dtype, attn_implementation=attn_implementation
        )
    model.eval()
    generation = model.generation_config
    generation.bos_token_id, generation.eos_token_id, generation.pad_token_id = 1, 2, _PAD_TOKEN_ID
    log.info(
        "built %.3f B random parameters on %s in %.1f s",
        sum(p.numel() for p in model.parameters()) / 1e9,
        device,
        time.perf_counter() - started,
    )
    return model


def parameter_count(config) -> int:
    """Parameters of the full model, counted on the meta device (no memory, no GPU)."""
    from transformers import LlavaNextForConditionalGeneration

    with torch.device("meta"):
        model = LlavaNextForConditionalGeneration._from_config(config)
    return sum(p.numel() for p in model.parameters())


def text_tokens(processor, prompt: str) -> int:
    """Tokens of the chat text around the image placeholder, for `prompt`."""
    from frame_describer.prompt import chat_messages

    text = processor.apply_chat_template(chat_messages(prompt), add_generation_prompt=True)
    ids = processor.tokenizer(text, add_special_tokens=False)["input_ids"]
    return len(ids) - ids.count(processor.tokenizer.image_token_id)
