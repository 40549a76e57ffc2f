"""A tiny random LLaVA-NeXT whose tokenizer can spell any JSON, for the fields mode's tests.

The default tiny model's tokenizer has no byte fallback, so most characters (and `{` in some
positions) are unknown to it. This one is laid out like the real Mistral tokenizer: the usual
specials first, then the 256 byte-fallback pieces `<0x00>`…`<0xFF>`, then BPE pieces with `▁`
for spaces, and the same normalizer and decoder. It replaces the tokenizer of the default tiny
checkpoint (same special token ids, embeddings resized), so everything else stays identical.
"""

from __future__ import annotations

import json
from pathlib import Path

from frame_describer.fields import FIELD_KEYS, OVERLAY_KEYS
from testkit.tiny_model import LLAVA_SPECIALS, build_tiny_model, wrap_tokenizer
from testkit.tiny_tokenizer import CORPUS

_JSON_CORPUS = [
    json.dumps({key: "wide shot, warm light" for key in FIELD_KEYS if key != "text_overlays"}),
    json.dumps({"text_overlays": [dict.fromkeys(OVERLAY_KEYS, "Bold title, top centre")]}),
    'Tokens like "quotes", {braces}, [lists], colons: and commas, 42 px.',
]


def build_byte_fallback_tokenizer(vocab_size: int | None = None):
    """A sentencepiece-style BPE tokenizer with byte fallback, wrapped as the LLaVA tokenizer.

    `vocab_size` pads the vocabulary with word-like pieces to that many entries (32,064 is the
    real model's), for measuring what masks cost at full size; about 650 entries without it.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    trainer_model = Tokenizer(models.BPE(unk_token="<unk>"))
    trainer_model.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=LLAVA_SPECIALS, show_progress=False)
    trainer_model.train_from_iterator(CORPUS + _JSON_CORPUS, trainer=trainer)
    trained = json.loads(trainer_model.to_str())["model"]

    vocab = {token: index for index, token in enumerate(LLAVA_SPECIALS)}
    vocab.update({f"<0x{byte:02X}>": len(LLAVA_SPECIALS) + byte for byte in range(256)})
    for token in sorted(trained["vocab"], key=trained["vocab"].get):
        vocab.setdefault(token, len(vocab))
    for filler in range(len(vocab), vocab_size or 0):
        vocab[f"▁w{filler}"] = filler
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]
    core = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True))
    core.add_special_tokens(LLAVA_SPECIALS)
    core.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    core.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    return wrap_tokenizer(core)


def build_fields_model(folder: str | Path, seed: int = 0, vocab_size: int | None = None) -> Path:
    """The default tiny checkpoint with the byte-fallback tokenizer, written into `folder`."""
    import torch
    from transformers import AutoProcessor, LlavaNextForConditionalGeneration

    folder = Path(folder)
    build_tiny_model(folder, seed=seed)
    processor = AutoProcessor.from_pretrained(folder)
    model = LlavaNextForConditionalGeneration.from_pretrained(folder)
    tokenizer = build_byte_fallback_tokenizer(vocab_size)
    assert tokenizer.convert_tokens_to_ids(LLAVA_SPECIALS) == list(range(len(LLAVA_SPECIALS)))
    processor.tokenizer = tokenizer
    torch.manual_seed(seed)
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
