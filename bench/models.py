"""The model a benchmark runs, built into the worker's own `LoadedModel`.

- `tiny`: the tests' tiny random LLaVA-NeXT, loaded through the worker's `load_model`.
- `full`: the real LLaVA-NeXT v1.6 Mistral-7B architecture with random weights, from the real
  checkpoint's `config.json` (copied next to this file), so every matrix has its real shape and
  the GPU does the real work per token. `layers` keeps only that many layers in each tower, at
  real widths, so the same code runs on a CPU (the dry run and the test).
- anything else: a `MODEL_ID` (hub id or folder), loaded exactly as the worker loads it.

No checkpoint of the full model reaches the benchmark machines, so its processor is the real
checkpoint's image settings around a tokenizer built here: with random weights the text of a
token does not matter, only how many tokens a prompt becomes. It splits English about as finely
as Mistral's SentencePiece does (the production prompt becomes ~105 tokens) and has the real
vocabulary size, with `<image>` at the real id 32000.
"""

from __future__ import annotations

import json
import logging
import string
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from frame_describer.families import family_of
from frame_describer.model import LoadedModel, load_model
from frame_describer.settings import Settings

log = logging.getLogger(__name__)

CONFIG_PATH = Path(__file__).with_name("llava-v1.6-mistral-7b-hf.config.json")

# The real checkpoint's preprocessor_config.json: CLIP-L/336 crops, OpenAI CLIP statistics.
_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
_CROP = 336
# Pieces of at most 7 letters, single digits and single punctuation marks, each with its leading
# space marker: about one token per short English word, as Mistral's tokenizer gives.
_PIECE = r"▁?(?:[A-Za-z]{1,7}|\d|[^\sA-Za-z\d▁])|▁"
_TRAINING_TEXT = [
    "[INST] <image>\n [/INST]",
    "Wide shot with dark gradient background (#1a1a2e to #16213e). White sans-serif text centered, "
    "large bold title. Subtle particle effects floating. High contrast, cinematic color grading "
    "with cooler tones.",
    "Close-up, low angle, handheld camera; warm key light from the left, lens flare and soft blur. "
    "If there is no text, say 'No text overlay detected'.",
]
_SPECIALS = ["<unk>", "<s>", "</s>"]
_IMAGE_TOKEN_ID = 32000  # as in the real tokenizer and the config's image_token_index
_PAD_TOKEN_ID = 32001


def default_choice(settings: Settings) -> str:
    """The full-size random model on a GPU, the tiny one on a CPU, unless MODEL_ID names one."""
    if settings.model_id != Settings().model_id:
        return settings.model_id
    return "full" if torch.cuda.is_available() else "tiny"


def default_dtype(device: torch.device) -> str:
    return "float16" if device.type == "cuda" else "float32"


def build(
    choice: str, dtype: str, attn_implementation: str, prompt: str, layers: int | None = None
) -> tuple[LoadedModel, str]:
    """The loaded model and its label for the results (`full-random`, `tiny-random` or the id)."""
    started = time.perf_counter()
    if choice == "full":
        loaded = _full(dtype, attn_implementation, prompt, layers)
        label = "full-random" if layers is None else f"full-random-{layers}-layers"
    elif choice == "tiny":
        from tests.tiny_model import build_tiny_model

        folder = build_tiny_model(Path(tempfile.mkdtemp(prefix="bench-tiny-")) / "model")
        loaded, label = _load(str(folder), dtype, attn_implementation), "tiny-random"
    else:
        loaded, label = _load(choice, dtype, attn_implementation), choice
    log.info("model %s ready on %s in %.1f s", label, loaded.device, time.perf_counter() - started)
    return loaded, label


def _load(model_id: str, dtype: str, attn_implementation: str) -> LoadedModel:
    return load_model(Settings(model_id=model_id, dtype=dtype, attn_implementation=attn_implementation))


def _full(dtype: str, attn_implementation: str, prompt: str, layers: int | None) -> LoadedModel:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu" and layers is None:
        raise SystemExit("--model full on a CPU needs --layers N (7.6 B parameters at full depth)")
    config = load_config(layers)
    torch_dtype = getattr(torch, dtype)
    processor = build_processor(config, prompt)
    model = build_model(config, torch_dtype, device, attn_implementation)
    return LoadedModel(model, processor, device, torch_dtype, family_of("llava_next"), "high")


def load_config(layers: int | None = None):
    """The real model's `LlavaNextConfig`; with `layers`, that many layers in each tower."""
    from transformers import LlavaNextConfig

    config = LlavaNextConfig.from_dict(json.loads(CONFIG_PATH.read_text()))
    if config.image_token_id != _IMAGE_TOKEN_ID:
        raise ValueError(f"{CONFIG_PATH.name}: image_token_index is {config.image_token_id}")
    if layers is not None:
        # NOTE: the vision tower's features come from its second-to-last layer, so it keeps two.
        config.text_config.num_hidden_layers = layers
        config.vision_config.num_hidden_layers = max(layers, 2)
    return config


def build_tokenizer(vocab_size: int, extra_text: Sequence[str] = ()):
    """A fast tokenizer of `vocab_size` entries with `<image>` at 32000 and `<pad>` at 32001.

    `extra_text` (the prompt) gets whole-piece tokens, so it tokenizes to its piece count.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    from tests.tiny_model import wrap_tokenizer

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
        special = {_IMAGE_TOKEN_ID: "<image>", _PAD_TOKEN_ID: "<pad>"}.get(token_id)
        vocab[special or f"▁w{token_id}"] = token_id
    core = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizer
    core.decoder = decoders.Metaspace(prepend_scheme="always", split=False)
    core.add_special_tokens([*_SPECIALS, "<image>", "<pad>"])
    return wrap_tokenizer(core)


def build_processor(config, prompt: str):
    """The real checkpoint's processor settings around the locally built tokenizer."""
    from transformers import LlavaNextProcessor
    from transformers.models.llava_next import LlavaNextImageProcessorPil

    from tests.tiny_model import CHAT_TEMPLATE

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
    """Parameters of a model of `config`, counted on the meta device (no memory, no GPU)."""
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
