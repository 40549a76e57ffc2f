"""A stand-in for a family's released tokenizer, built here: right size, right special ids.

No released tokenizer reaches the benchmark machines, and with random weights the text of a token
does not matter, only where the model finds its special tokens (the image placeholder above all)
and how many tokens a prompt becomes. So the stand-in has:

- the family's special tokens (names, roles such as `eos_token`, named ones such as
  `image_token`), each the model reads at the id the config names;
- the vocabulary size of the model's embedding, filled with unused entries (a random model emits
  them freely, and they must decode);
- word pieces of at most 7 letters, single digits and single punctuation marks: about one token
  per short English word, as Mistral's, Qwen's and Gemma's tokenizers split plain English (the
  production prompt becomes ~105 tokens). The prompt passed as `extra_text` gets whole-piece
  tokens, so it tokenizes to its piece count;
- byte fallback, with the 256 byte pieces and the decoder of Mistral's tokenizer, so any text
  can be spelled and llguidance can read it (the `fields` mode's grammar needs both).
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator, Mapping, Sequence

from testkit.tiny_tokenizer import CORPUS

_ROLES = ("bos_token", "eos_token", "unk_token", "pad_token")
_PIECE = r"▁?(?:[A-Za-z]{1,7}|\d|[^\sA-Za-z\d▁])|▁"
_TRAINING_TEXT = [
    "[INST] <image>\n [/INST]",
    "Wide shot with dark gradient background (#1a1a2e to #16213e). White sans-serif text centered, "
    "large bold title. Subtle particle effects floating. High contrast, cinematic color grading "
    "with cooler tones.",
    "Close-up, low angle, handheld camera; warm key light from the left, lens flare and soft blur. "
    "If there is no text, say 'No text overlay detected'.",
    *CORPUS,
]


def build_tokenizer(
    vocab_size: int,
    ids: Mapping[str, int],
    *,
    specials: Sequence[str] = (),
    named: Mapping[str, str] | None = None,
    extra_text: Sequence[str] = (),
    **roles: str,
):
    """A fast tokenizer of `vocab_size` entries that pads on the left.

    `ids` puts special tokens at fixed ids; `specials` are further special tokens, which take the
    lowest free ids. `named` become attributes (`tokenizer.image_token`); `roles` are
    `bos_token`, `eos_token`, `unk_token` and `pad_token`.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if len(set(ids.values())) != len(ids) or not all(0 <= i < vocab_size for i in ids.values()):
        raise ValueError(f"special token ids must be distinct and below {vocab_size}: {dict(ids)}")
    pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(prepend_scheme="always", split=False),
            pre_tokenizers.Split(Regex(_PIECE), behavior="isolated"),
        ]
    )
    unk = roles.get("unk_token")
    trainer_core = Tokenizer(models.BPE(unk_token=unk))
    trainer_core.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=4000,  # more than the training text has pieces: every piece it holds is one token
        initial_alphabet=list(string.printable.strip()) + ["▁", "\n"],
    )
    trainer_core.train_from_iterator([*_TRAINING_TEXT, *extra_text], trainer=trainer)
    state = json.loads(trainer_core.to_str())["model"]
    pieces = sorted(state["vocab"], key=state["vocab"].get)
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]

    others = [token for token in dict.fromkeys([*specials, *roles.values()]) if token not in ids]
    vocab = dict(ids)
    free = _free_ids(set(ids.values()), vocab_size)
    byte_pieces = [f"<0x{byte:02X}>" for byte in range(256)]
    words = (piece for piece in pieces if piece not in ids and piece not in others)
    for token in [*others, *byte_pieces, *words]:
        token_id = next(free, None)
        if token_id is None:
            raise ValueError(f"{len(others) + len(pieces) + len(ids)} tokens do not fit in {vocab_size}")
        vocab[token] = token_id
    # Unused entries fill the vocabulary to the real size.
    vocab.update({f"▁w{token_id}": token_id for token_id in free})

    core = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=unk, byte_fallback=True))
    core.pre_tokenizer = pre_tokenizer
    core.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    core.add_special_tokens([*ids, *others])
    return PreTrainedTokenizerFast(
        tokenizer_object=core, padding_side="left", extra_special_tokens=dict(named or {}), **roles
    )


def like(template, vocab_size: int, ids: Mapping[str, int], extra_text: Sequence[str] = ()):
    """`build_tokenizer` with the special tokens, roles and named tokens of `template`."""
    roles = {role: getattr(template, role) for role in _ROLES if getattr(template, role, None)}
    named = {
        name: token
        for name, token in template.special_tokens_map.items()
        if name not in _ROLES and isinstance(token, str)
    }
    specials = [token.content for _, token in sorted(template.added_tokens_decoder.items())]
    return build_tokenizer(vocab_size, ids, specials=specials, named=named, extra_text=extra_text, **roles)


def _free_ids(taken: set[int], vocab_size: int) -> Iterator[int]:
    return (token_id for token_id in range(vocab_size) if token_id not in taken)
