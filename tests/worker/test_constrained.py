"""Constrained decoding on a tiny random LLaVA-NeXT whose tokenizer can spell any JSON.

Batches of frames with different prompt lengths go through the worker's `prepare_frame` and
`collate` and the real `model.generate`, with the fields processor as its logits processor.
A random model is the hardest case: it seldom closes a string, so most values run to their cap and
each row relies on the caps to finish inside the budget.
"""

from __future__ import annotations

import json

import pytest
import torch
from tokenizers import decoders
from transformers import AutoProcessor, LlavaNextForConditionalGeneration, LogitsProcessor

from frame_describer.constrained import FieldsLogitsProcessor, compile_fields_grammar
from frame_describer.families import family_of
from frame_describer.fields import FIELD_KEYS, MAX_OVERLAYS, FieldsError, fields_prompt, parse_fields
from frame_describer.frame_types import GenerationOptions
from frame_describer.model import LoadedModel
from frame_describer.preprocess import collate, prepare_frame
from testkit.fields_model import build_byte_fallback_tokenizer, build_fields_model
from testkit.images import frame

SEEDS = (0, 1, 2)
PROMPTS = [None, "Short.", "Describe the shot for a colourist and a motion designer, in detail.", "Shot?"]
SIZES = [(854, 480), (480, 480), (640, 480), (300, 600)]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """NOTE: on a shared CPU, torch's OpenMP threads spin against each other and a decoding step
    of the tiny model swings from 1 ms to 400 ms; these tests run hundreds of steps."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def fields_models(tmp_path_factory):
    """`get(seed)`: the tiny fields model of that seed and its compiled grammar, built once."""
    built: dict[int, tuple[LoadedModel, object]] = {}

    def get(seed: int):
        if seed not in built:
            folder = build_fields_model(tmp_path_factory.mktemp(f"fields-{seed}") / "model", seed=seed)
            processor = AutoProcessor.from_pretrained(folder)
            processor.tokenizer.padding_side = "left"
            model = LlavaNextForConditionalGeneration.from_pretrained(folder).eval()
            loaded = LoadedModel(
                model, processor, torch.device("cpu"), torch.float32, family_of("llava_next"), "high"
            )
            built[seed] = (
                loaded,
                compile_fields_grammar(processor.tokenizer, model.generation_config.eos_token_id),
            )
        return built[seed]

    return get


def _frames(loaded: LoadedModel, count: int = 4):
    options = GenerationOptions(max_new_tokens=1)  # generate() below gets the budget itself
    return [
        prepare_frame(
            loaded,
            frame(((i * 53) % 256, (i * 97) % 256, 90), size=SIZES[i % len(SIZES)]),
            fields_prompt(PROMPTS[i % len(PROMPTS)]),
            options,
        )
        for i in range(count)
    ]


def _generate(loaded, grammar, frames, max_new_tokens=None, sample=False, seed=0, after=()):
    """Generated tokens per row (up to the longest row) and the fields processor used."""
    processor = FieldsLogitsProcessor(grammar, len(frames))
    inputs = collate(frames, loaded.processor.tokenizer.pad_token_id)
    torch.manual_seed(seed)
    with torch.inference_mode():
        output = loaded.model.generate(
            **inputs,
            max_new_tokens=max_new_tokens or grammar.minimum_new_tokens,
            do_sample=sample,
            pad_token_id=loaded.processor.tokenizer.pad_token_id,
            logits_processor=[processor, *after],
        )
    return output[:, inputs["input_ids"].shape[1] :].tolist(), processor


def _until_end(tokens: list[int], eos: tuple[int, ...]) -> list[int]:
    ends = [i for i, token in enumerate(tokens) if token in eos]
    return tokens[: ends[0] + 1] if ends else tokens


def test_frames_in_one_batch_have_different_prompt_lengths(fields_models):
    loaded, _ = fields_models(0)
    assert len({f.sequence_length for f in _frames(loaded)}) == 4


@pytest.fixture(scope="module")
def greedy_batch(fields_models):
    """Seed 0's model, grammar, and a greedy batch of four with the minimum budget."""
    loaded, grammar = fields_models(0)
    frames = _frames(loaded)
    rows, processor = _generate(loaded, grammar, frames, max_new_tokens=grammar.minimum_new_tokens)
    return loaded, grammar, frames, rows, processor


def test_every_row_of_a_greedy_batch_is_a_fields_object(greedy_batch):
    _, grammar, _, rows, processor = greedy_batch
    for row, tokens in enumerate(rows):
        parsed = processor.parse_row(row, tokens)
        assert parsed == parse_fields(grammar.decode(tokens))
    assert processor.failed_rows == []


def test_a_frame_gets_the_same_tokens_alone_and_in_a_batch(greedy_batch):
    loaded, grammar, frames, together, _ = greedy_batch
    for row, single in enumerate(frames):
        [alone], _ = _generate(loaded, grammar, [single])
        eos = grammar.eos_token_ids
        assert _until_end(together[row], eos) == _until_end(alone, eos), f"row {row}"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_minimum_budget_fits_every_greedy_row(fields_models, seed):
    loaded, grammar = fields_models(seed)
    rows, processor = _generate(loaded, grammar, _frames(loaded), max_new_tokens=grammar.minimum_new_tokens)
    for row, tokens in enumerate(rows):
        assert any(token in grammar.eos_token_ids for token in tokens), f"row {row} was cut off"
        processor.parse_row(row, tokens)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_row_of_a_sampled_batch_parses(fields_models, seed):
    loaded, grammar = fields_models(seed)
    rows, processor = _generate(loaded, grammar, _frames(loaded), sample=True, seed=seed)
    for row, tokens in enumerate(rows):
        processor.parse_row(row, tokens)


@pytest.mark.parametrize("sample", [False, True], ids=["greedy", "sampled"])
def test_a_forced_length_keeps_every_object_whole(fields_models, sample):
    """The benchmark forces an exact length with `min_new_tokens`, which holds the end token back
    after an object is complete: the row goes on unmasked and its object still parses."""
    loaded, grammar = fields_models(0)
    budget = grammar.minimum_new_tokens
    processor = FieldsLogitsProcessor(grammar, 4)
    inputs = collate(_frames(loaded), loaded.processor.tokenizer.pad_token_id)
    torch.manual_seed(0)
    with torch.inference_mode():
        output = loaded.model.generate(
            **inputs,
            max_new_tokens=budget,
            min_new_tokens=budget,
            do_sample=sample,
            pad_token_id=loaded.processor.tokenizer.pad_token_id,
            logits_processor=[processor],
        )
    rows = output[:, inputs["input_ids"].shape[1] :].tolist()
    assert all(len(tokens) == budget for tokens in rows)
    for row, tokens in enumerate(rows):
        processor.parse_row(row, tokens)


def test_a_budget_below_the_minimum_can_cut_an_object_off(fields_models):
    loaded, grammar = fields_models(0)
    [tokens], processor = _generate(loaded, grammar, _frames(loaded, 1), max_new_tokens=40)
    with pytest.raises(FieldsError, match="not one complete JSON object"):
        processor.parse_row(0, tokens)


class ForceToken(LogitsProcessor):
    """Makes one row take `token` at one step, whatever the scores say: a row the grammar did
    not steer, as a failing matcher would leave it."""

    def __init__(self, row: int, token: int, at_step: int):
        self.row, self.token, self.at_step, self.step = row, token, at_step, 0

    def __call__(self, input_ids, scores):
        if self.step == self.at_step:
            scores[self.row] = float("-inf")
            scores[self.row, self.token] = 0.0
        self.step += 1
        return scores


def test_a_row_the_grammar_rejects_ends_and_fails_alone(fields_models):
    loaded, grammar = fields_models(0)
    control = loaded.processor.tokenizer.convert_tokens_to_ids("<0x00>")
    rows, processor = _generate(loaded, grammar, _frames(loaded), after=[ForceToken(1, control, at_step=15)])
    assert processor.failed_rows == [1]
    assert rows[1][16] in grammar.eos_token_ids  # forced to end right after the rejected token
    with pytest.raises(FieldsError, match="constrained decoding failed"):
        processor.parse_row(1, rows[1])
    for row in (0, 2, 3):
        processor.parse_row(row, rows[row])


def test_a_processor_serves_one_generate_call(fields_models):
    loaded, grammar = fields_models(0)
    frames = _frames(loaded, 1)
    _, processor = _generate(loaded, grammar, frames, max_new_tokens=3)
    inputs = collate(frames, loaded.processor.tokenizer.pad_token_id)
    with pytest.raises(RuntimeError, match="one generate call"):
        loaded.model.generate(**inputs, max_new_tokens=3, logits_processor=[processor])


def test_a_character_cut_in_half_keeps_the_closing_quote_after_it(fields_models):
    loaded, grammar = fields_models(0)
    tokenizer = loaded.processor.tokenizer
    tokens = tokenizer.convert_tokens_to_ids(['▁"', "<0x41>", "<0xE6>", "<0x22>", "<0x7D>"])
    assert grammar.decode(tokens) == ' "A\ufffd"}'
    assert '"}' not in tokenizer.decode(tokens)  # the Hugging Face decoder loses it


@pytest.mark.parametrize("overlays", [0, MAX_OVERLAYS])
def test_the_grammar_accepts_compact_json_of_a_fields_object(overlays):
    grammar = compile_fields_grammar(build_byte_fallback_tokenizer())
    overlay = {"text": "SALE", "font": "bold sans", "size": "large", "position": "top centre"}
    text = json.dumps({**dict.fromkeys(FIELD_KEYS, "wide shot"), "text_overlays": [overlay] * overlays})
    matcher = grammar.new_matcher()
    assert matcher.consume_tokens(grammar.tokenizer.tokenize_str(text)), matcher.get_error()
    assert matcher.is_stopped() and matcher.is_accepting()


def test_the_grammar_refuses_one_overlay_too_many():
    grammar = compile_fields_grammar(build_byte_fallback_tokenizer())
    overlay = dict.fromkeys(["text", "font", "size", "position"], "x")
    text = json.dumps({**dict.fromkeys(FIELD_KEYS, "x"), "text_overlays": [overlay] * (MAX_OVERLAYS + 1)})
    assert not grammar.new_matcher().consume_tokens(grammar.tokenizer.tokenize_str(text))


def test_a_tokenizer_that_llguidance_reads_differently_is_refused():
    tokenizer = build_byte_fallback_tokenizer()
    # A bare Metaspace decoder: Hugging Face still decodes "▁" as a space, llguidance does not.
    tokenizer.backend_tokenizer.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    with pytest.raises(ValueError, match="cannot spell fields"):
        compile_fields_grammar(tokenizer)
