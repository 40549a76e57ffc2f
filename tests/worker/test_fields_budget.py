"""The token budget against an adversary: random walks through the grammar, no model.

Each walk draws its tokens from the matcher's own mask, with a bias a model never has: only
pieces without a quote (every value runs to its cap), and the fewest bytes per token (every
literal spelled as finely as llguidance lets it be). `minimum_new_tokens` must still hold,
overall and for every stretch of literal text.
"""

from __future__ import annotations

import random
import re

import pytest
import torch

from frame_describer.constrained import _literal_tokens, compile_fields_grammar
from frame_describer.fields import parse_fields
from testkit.fields_model import build_byte_fallback_tokenizer

# Where the model chooses what follows, inside a stretch of literal text: after a leading
# space, after `[` (an overlay or none), after an overlay's `}` (another or the end of the list).
_CHOICE_POINTS = re.compile(r"(?<=^ )|(?<=\[)|(?<=\})(?!$)")
_VALUE = re.compile(rb'": "([^"]*)"')


@pytest.fixture(scope="module")
def walker():
    grammar = compile_fields_grammar(build_byte_fallback_tokenizer())
    vocab = grammar.tokenizer.vocab_size
    pieces = [
        b"" if grammar.tokenizer.is_special_token(t) else grammar.tokenizer.decode_bytes([t])
        for t in range(vocab)
    ]
    lengths = torch.tensor([len(piece) or 99 for piece in pieces])
    quoted = torch.tensor([b'"' in piece for piece in pieces])

    def walk(seed: int, quote_chance: float) -> list[int]:
        """A token sequence the grammar accepts, ending where the object is complete."""
        rng, matcher, tokens = random.Random(seed), grammar.new_matcher(), []
        while not matcher.is_stopped():
            allowed = _unpack(matcher.compute_bitmask(), vocab)
            if (allowed & quoted).any() and rng.random() < quote_chance:
                allowed &= quoted
            elif (allowed & ~quoted).any():
                allowed &= ~quoted
            allowed &= lengths == lengths[allowed].min()
            token = rng.choice(allowed.nonzero().flatten().tolist())
            assert matcher.consume_token(token), matcher.get_error()
            tokens.append(token)
        return tokens

    return grammar, pieces, walk


def test_walks_that_run_every_value_to_its_cap_fit_the_budget_and_parse(walker):
    grammar, _, walk = walker
    for seed in range(30):
        tokens = walk(seed, quote_chance=0.0)
        assert len(tokens) + 1 <= grammar.minimum_new_tokens  # the end token still fits
        parse_fields(grammar.decode(tokens))


def test_no_walk_spends_more_tokens_on_literal_text_than_its_budget(walker):
    """Walks that close values early, so literals are entered by a quote the model chose."""
    grammar, pieces, walk = walker
    budget = _literal_tokens(grammar.tokenizer)
    for seed in range(60):
        tokens = walk(seed, quote_chance=(0.1, 0.3, 0.6, 0.9)[seed % 4])
        parse_fields(grammar.decode(tokens))
        raw, starts = b"", []
        for token in tokens:
            starts.append(len(raw))
            raw += pieces[token]
        edges = [0, *(edge for value in _VALUE.finditer(raw) for edge in value.span(1)), len(raw)]
        for begin, end in zip(edges[::2], edges[1::2], strict=True):
            stretch = raw[begin:end].decode()
            allowed = sum(budget(piece) for piece in _CHOICE_POINTS.split(stretch) if piece)
            assert sum(begin <= start < end for start in starts) <= allowed, stretch


def _unpack(bitmask: bytes, vocab: int) -> torch.Tensor:
    packed = torch.frombuffer(bytearray(bitmask), dtype=torch.uint8)
    return ((packed.unsqueeze(-1) >> torch.arange(8, dtype=torch.uint8)) & 1).flatten()[:vocab].bool()
