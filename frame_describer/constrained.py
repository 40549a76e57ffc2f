"""Constrained decoding for the `fields` mode: llguidance masks inside a batched `generate`.

`compile_fields_grammar` turns the tokenizer and the grammar of `fields.py` into a
`FieldsGrammar` once per process (0.1 to 0.2 s on a CPU for a 32,064-piece vocabulary).
`FieldsLogitsProcessor` is made for one `generate` call: it holds one llguidance matcher per
batch row, feeds each the token its row produced last, and masks every token the grammar does
not allow. It only looks at generated positions, so left padding does not matter.

Imported only when a job asks for fields: text-only workers never load llguidance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import llguidance
import llguidance.hf
import torch
from transformers import LogitsProcessor

from . import fields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldsGrammar:
    """The fields grammar compiled for one tokenizer; make it once and keep it."""

    tokenizer: llguidance.LLTokenizer
    grammar: str
    eos_token_ids: tuple[int, ...]
    minimum_new_tokens: int  # the smallest max_new_tokens that fits every object with this tokenizer
    executor: llguidance.LLExecutor
    template: llguidance.LLMatcher  # copied for each row; never fed a token itself
    literal_tokens: Callable[[str], int] | None = field(default=None, compare=False, repr=False)

    def new_matcher(self) -> llguidance.LLMatcher:
        return self.template.deep_copy()

    def for_frame(self, overlays: Sequence[dict]) -> FieldsGrammar:
        """This grammar for one frame whose `text_overlays` may only be `overlays`
        (`fields.lark_grammar(overlays)`); a few milliseconds, so made per frame."""
        grammar = llguidance.LLMatcher.grammar_from_lark(fields.lark_grammar(overlays))
        minimum = fields.minimum_new_tokens(self.literal_tokens, overlays)
        return replace(
            self, grammar=grammar, minimum_new_tokens=minimum, template=_template(self.tokenizer, grammar)
        )

    def decode(self, tokens: Sequence[int]) -> str:
        """The text of one row's generated tokens, up to its end token.

        NOTE: not the Hugging Face decoder: its byte fallback turns a whole run of byte tokens
        into U+FFFD when one of them is half a character (which a cap can leave), and that run
        may hold the closing quote. Here only the broken character becomes U+FFFD.
        """
        kept = []
        for token in tokens:
            if token in self.eos_token_ids:
                break
            if token < self.tokenizer.vocab_size and not self.tokenizer.is_special_token(token):
                kept.append(token)
        return self.tokenizer.decode_bytes(kept).decode("utf-8", errors="replace")


def compile_fields_grammar(hf_tokenizer, eos_token_ids: int | list[int] | None = None) -> FieldsGrammar:
    """Compile the fields grammar for a Hugging Face fast tokenizer.

    `eos_token_ids` are the tokens that end generation (the model's generation config may name
    more than the tokenizer does); the tokenizer's own end token when not given.
    """
    if eos_token_ids is None:
        eos_token_ids = hf_tokenizer.eos_token_id
    eos = tuple(eos_token_ids) if isinstance(eos_token_ids, (list, tuple)) else (int(eos_token_ids),)
    tokenizer = llguidance.hf.from_tokenizer(hf_tokenizer, eos_token=list(eos))
    _check_token_bytes(hf_tokenizer, tokenizer)
    grammar = llguidance.LLMatcher.grammar_from_lark(fields.lark_grammar())
    literal_tokens = _literal_tokens(tokenizer)
    minimum = fields.minimum_new_tokens(literal_tokens)
    log.info("fields grammar compiled; an object needs at most %d new tokens", minimum)
    template = _template(tokenizer, grammar)
    return FieldsGrammar(tokenizer, grammar, eos, minimum, llguidance.LLExecutor(), template, literal_tokens)


def _template(tokenizer: llguidance.LLTokenizer, grammar: str) -> llguidance.LLMatcher:
    # log_level=0: a failing row is logged through `logging` with its reason, not on stderr
    template = llguidance.LLMatcher(tokenizer, grammar, log_level=0)
    if template.is_error():
        raise ValueError(f"the fields grammar does not compile: {template.get_error()}")
    return template


def _literal_tokens(tokenizer: llguidance.LLTokenizer) -> Callable[[str], int]:
    """`piece -> the most tokens that can start inside that literal piece` for this tokenizer.

    llguidance forces the canonical tokens of literal text, up to the first offset from which a
    single token could run past the piece's end; from there on the model chooses, and may spend
    a token per byte (` "` as `▁` then `"`). Before the forced run, one token may enter the
    piece, ending anywhere in it (`"` or `",` closing a value).
    """
    longer: set[bytes] = set()  # every byte string that some token extends
    for token in range(tokenizer.vocab_size):
        if not tokenizer.is_special_token(token):
            data = tokenizer.decode_bytes([token])
            longer.update(data[:end] for end in range(1, len(data)))

    def tokens_in(piece: str) -> int:
        data = piece.encode()
        free_from = next((i for i in range(len(data)) if data[i:] in longer), len(data))

        def after(entry: int) -> int:  # tokens from offset `entry` to the piece's end
            forced, offset = 0, entry
            for token in tokenizer.tokenize_bytes(data[entry:]):
                if offset >= free_from:
                    break
                forced, offset = forced + 1, offset + len(tokenizer.decode_bytes([token]))
            return forced + len(data) - offset

        worst = max([after(0), *(1 + after(entry) for entry in range(1, len(data)))])
        return min(len(data), worst)

    return tokens_in


def _check_token_bytes(hf_tokenizer, tokenizer: llguidance.LLTokenizer) -> None:
    """Fail loudly when llguidance reads the pieces as other text than the tokenizer decodes.

    NOTE: llguidance derives each piece's bytes from the tokenizer's decoder; a sentencepiece
    vocabulary whose decoder does not map `▁` to a space (a bare Metaspace decoder, say) would
    leave it thinking `▁"` is not a space and a quote, and every object would come out wrong.
    """
    probe = '{"camera": "Wide shot, 42 px"}'
    ids = hf_tokenizer(probe, add_special_tokens=False)["input_ids"]
    seen = tokenizer.decode_bytes(ids).decode("utf-8", errors="replace").strip()
    if seen != probe:
        raise ValueError(f"this tokenizer cannot spell fields: llguidance reads {probe!r} as {seen!r}")


class FieldsLogitsProcessor(LogitsProcessor):
    """Masks each row of one batched `generate` call to the fields grammar.

    A row whose object is complete allows only the end token; what it generates after the
    object (when `min_new_tokens` holds the end token back) is ignored by `parse_row`. A row
    whose matcher fails (it should not, but it is a parser run on model output) is logged,
    allows only the end token from then on, and is listed in `failed_rows` so its frame can be
    failed alone. A row that an earlier processor left no allowed token is not masked at all,
    so sampling never sees a row of -inf.

    `grammar` is one grammar for every row, or one per row (`FieldsGrammar.for_frame`), all
    compiled for the same tokenizer.
    """

    def __init__(self, grammar: FieldsGrammar | Sequence[FieldsGrammar], batch_size: int):
        rows = list(grammar) if isinstance(grammar, Sequence) else [grammar] * batch_size
        if len(rows) != batch_size or any(row.tokenizer is not rows[0].tokenizer for row in rows):
            raise ValueError("a FieldsLogitsProcessor needs one grammar, or one per row for one tokenizer")
        self.grammar = rows[0]
        self.matchers = [row.new_matcher() for row in rows]
        self.errors: dict[int, str] = {}
        self._ended = [False] * batch_size  # the row emitted an end token: nothing more to feed
        self._object_tokens: dict[int, int] = {}  # complete rows: tokens up to the object's end
        self._prompt_length: int | None = None
        words = (self.grammar.tokenizer.vocab_size + 31) // 32
        self._bitmask = torch.zeros((batch_size, words), dtype=torch.int32)
        self._end_only = torch.zeros(words, dtype=torch.int32)
        for token in self.grammar.eos_token_ids:
            self._end_only[token // 32] |= _bit(token % 32)
        self._shifts: torch.Tensor | None = None
        self._steps = 0

    @property
    def failed_rows(self) -> list[int]:
        """Rows whose matcher failed: their output is not a fields object."""
        return sorted(self.errors)

    def parse_row(self, row: int, tokens: Sequence[int]) -> dict:
        """Row `row`'s fields object from the tokens it generated (padding after the end token
        is ignored); `FieldsError` when the grammar failed on the row or the token limit cut the
        object off."""
        if row in self.errors:
            raise fields.FieldsError(f"constrained decoding failed: {self.errors[row]}")
        length = self._object_tokens.get(row, len(tokens))
        return fields.parse_fields(self.grammar.decode(tokens[:length]))

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._prompt_length is None:
            self._prompt_length = input_ids.shape[1]
        elif input_ids.shape[1] != self._prompt_length + self._steps:
            raise RuntimeError("a FieldsLogitsProcessor serves one generate call; make a new one per call")
        else:
            self._advance(input_ids[:, -1].tolist())
        self._steps = input_ids.shape[1] - self._prompt_length + 1
        self._fill_bitmask()
        return self._apply(scores)

    def _advance(self, last_tokens: list[int]) -> None:
        for row, (matcher, token) in enumerate(zip(self.matchers, last_tokens, strict=True)):
            if self._ended[row] or row in self.errors or row in self._object_tokens:
                continue
            if token in self.grammar.eos_token_ids:
                self._ended[row] = True
            elif not matcher.consume_token(token):
                self._fail(row, f"token {token} rejected: {matcher.get_error()}")
            elif matcher.is_stopped():
                self._object_tokens[row] = self._steps

    def _fill_bitmask(self) -> None:
        live = [
            (matcher, row)
            for row, matcher in enumerate(self.matchers)
            if row not in self.errors and not self._ended[row] and not matcher.is_stopped()
        ]
        if live:
            bitmask = self._bitmask
            try:
                self.grammar.executor.unsafe_compute_mask_ptr(
                    live, bitmask.data_ptr(), bitmask.shape[1] * 4, bitmask.shape[0]
                )
            except Exception as err:  # any failure here fails the rows, never the batch
                for _, row in live:
                    self._fail(row, f"mask computation failed: {type(err).__name__}: {err}")
            for matcher, row in live:
                if matcher.is_error() or not bool(bitmask[row].any()):
                    self._fail(row, f"no token allowed: {matcher.get_error() or 'dead end'}")
        for row, matcher in enumerate(self.matchers):
            if row in self.errors or self._ended[row] or matcher.is_stopped():
                self._bitmask[row] = self._end_only

    def _apply(self, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._shifts is None or self._shifts.device != scores.device:
            self._shifts = torch.arange(32, dtype=torch.int32, device=scores.device)
        bits = self._bitmask.to(scores.device).unsqueeze(-1) >> self._shifts
        vocab = min(scores.shape[1], bits.shape[1] * 32)
        allowed = torch.zeros_like(scores, dtype=torch.bool)  # ids past the tokenizer's stay out
        allowed[:, :vocab] = (bits & 1).bool().flatten(1)[:, :vocab]
        usable = (allowed & (scores > float("-inf"))).any(dim=1, keepdim=True)
        return scores.masked_fill_(~allowed & usable, float("-inf"))

    def _fail(self, row: int, reason: str) -> None:
        if row not in self.errors:
            log.warning("fields grammar failed on batch row %d: %s", row, reason)
            self.errors[row] = reason


def _bit(index: int) -> int:
    """Bit `index` of an int32 word, as the (signed) value torch stores."""
    return -(1 << 31) if index == 31 else 1 << index
