"""Descriptions grounded in measured text: grid words, size bands, the prompt addition, and the
per-frame fields grammar, down to a tiny random LLaVA-NeXT that may only quote the OCR'd lines."""

from __future__ import annotations

import json
import random

import pytest
import torch
from transformers import AutoProcessor, LlavaNextForConditionalGeneration

from frame_describer.constrained import FieldsLogitsProcessor, compile_fields_grammar
from frame_describer.families import family_of
from frame_describer.fields import (
    FIELD_KEYS,
    MAX_OVERLAYS,
    OVERLAYS_KEY,
    fields_prompt,
    json_schema,
    parse_fields,
)
from frame_describer.frame_types import GenerationOptions
from frame_describer.measure.grounding import overlays, position, prompt_addition, size
from frame_describer.model import LoadedModel
from frame_describer.preprocess import collate, prepare_frame
from testkit.fields_model import build_byte_fallback_tokenizer, build_fields_model
from testkit.images import frame


def _line(text: str, box: list[float]) -> dict:
    return {"text": text, "box": box, "confidence": 0.99}


# Lines as `text.read_text` returns them, for three frames (the last one has none).
FRAME_LINES = [
    [_line("BREAKING NEWS", [0.05, 0.04, 0.5, 0.16]), _line('Say "cheese"', [0.6, 0.85, 0.9, 0.9])],
    [
        _line("Café 24h", [0.4, 0.45, 0.6, 0.55]),
        _line("Exit", [0.8, 0.1, 0.85, 0.13]),
        _line("SALE", [0, 0, 1, 0.5]),
    ],
    [],
]


@pytest.mark.parametrize(
    ("centre", "word"),
    [
        ((0.1, 0.1), "top-left"),
        ((0.5, 0.1), "top-center"),
        ((0.9, 0.2), "top-right"),
        ((0.2, 0.5), "middle-left"),
        ((0.5, 0.5), "center"),
        ((0.8, 0.6), "middle-right"),
        ((0.0, 0.9), "bottom-left"),
        ((0.5, 1.0), "bottom-center"),
        ((0.99, 0.7), "bottom-right"),
    ],
)
def test_a_box_is_placed_in_the_grid_cell_of_its_centre(centre, word):
    x, y = centre
    assert position([x - 0.01, y - 0.01, x + 0.01, y + 0.01]) == word


@pytest.mark.parametrize(
    ("height", "band"),
    [
        (0.03, "small"),
        (0.0499, "small"),
        (0.05, "medium"),
        (0.12, "large"),
        (0.2, "very large"),
        (0.9, "very large"),
    ],
)
def test_a_box_is_sized_by_its_height_in_the_frame(height, band):
    assert size([0.1, 0.0, 0.6, height]) == band


def test_a_line_becomes_an_overlay_with_its_text_size_and_position():
    assert overlays(FRAME_LINES[0])[0] == {"text": "BREAKING NEWS", "size": "large", "position": "top-left"}


def test_the_prompt_quotes_every_string_as_json_so_a_quote_inside_cannot_end_it():
    addition = prompt_addition(FRAME_LINES[0])
    assert '"BREAKING NEWS" (top-left, large)' in addition
    assert r'"Say \"cheese\""' in addition


def test_the_prompt_of_a_frame_without_text_says_there_is_none():
    assert "no text" in prompt_addition([])


@pytest.fixture(scope="module")
def grammar():
    return compile_fields_grammar(build_byte_fallback_tokenizer())


def _object(overlay_list: list[dict]) -> str:
    return json.dumps(
        {**dict.fromkeys(FIELD_KEYS, "wide shot"), OVERLAYS_KEY: overlay_list}, ensure_ascii=False
    )


def _accepts(grammar, text: str) -> bool:
    matcher = grammar.new_matcher()
    return matcher.consume_tokens(grammar.tokenizer.tokenize_str(text)) and matcher.is_accepting()


def test_a_frames_grammar_accepts_its_lines_in_order_with_any_font(grammar):
    given = overlays(FRAME_LINES[1])
    chosen = [{**given[0], "font": "bold serif"}, {**given[2], "font": "x"}]
    ordered = [{key: o[key] for key in ("text", "font", "size", "position")} for o in chosen]
    assert _accepts(grammar.for_frame(given), _object(ordered))
    assert _accepts(grammar.for_frame(given), _object([]))


@pytest.mark.parametrize(
    "change",
    [
        {"text": "BREAKING NEW"},  # not quite the OCR'd string
        {"position": "center"},  # not where it was measured
        {"size": "small"},
    ],
)
def test_a_frames_grammar_refuses_an_overlay_that_is_not_measured(grammar, change):
    overlay = {"text": "BREAKING NEWS", "font": "bold", "size": "large", "position": "top-left"}
    per_frame = grammar.for_frame(overlays(FRAME_LINES[0]))
    assert _accepts(per_frame, _object([overlay]))
    assert not _accepts(per_frame, _object([{**overlay, **change}]))


def test_a_frames_grammar_refuses_a_line_twice_or_out_of_order(grammar):
    first, second = ({**o, "font": "bold"} for o in overlays(FRAME_LINES[0]))
    keyed = [{key: o[key] for key in ("text", "font", "size", "position")} for o in (first, second)]
    per_frame = grammar.for_frame(overlays(FRAME_LINES[0]))
    assert not _accepts(per_frame, _object([keyed[0], keyed[0]]))
    assert not _accepts(per_frame, _object([keyed[1], keyed[0]]))


def test_a_frame_without_text_allows_only_an_empty_overlay_list(grammar):
    per_frame = grammar.for_frame([])
    overlay = {"text": "SALE", "font": "bold", "size": "large", "position": "center"}
    assert _accepts(per_frame, _object([]))
    assert not _accepts(per_frame, _object([overlay]))


def test_a_frames_schema_allows_only_its_lines():
    schema = json_schema(overlays(FRAME_LINES[0]))["properties"][OVERLAYS_KEY]
    assert [choice["properties"]["text"] for choice in schema["items"]["anyOf"]] == [
        {"const": "BREAKING NEWS"},
        {"const": 'Say "cheese"'},
    ]
    assert json_schema([])["properties"][OVERLAYS_KEY]["maxItems"] == 0


def test_random_walks_through_a_frames_grammar_fit_its_budget(grammar):
    """A walk takes the allowed token with the fewest bytes and no quote where it can, so each
    font runs to its cap and each literal is spelled as finely as llguidance allows."""
    per_frame = grammar.for_frame(overlays(FRAME_LINES[1]))
    vocab = grammar.tokenizer.vocab_size
    pieces = [
        b"" if grammar.tokenizer.is_special_token(t) else grammar.tokenizer.decode_bytes([t])
        for t in range(vocab)
    ]
    for seed in range(10):
        rng, matcher, tokens = random.Random(seed), per_frame.new_matcher(), []
        while not matcher.is_stopped():
            mask = matcher.compute_bitmask()
            allowed = [t for t in range(vocab) if mask[t // 8] >> (t % 8) & 1]
            plain = [t for t in allowed if b'"' not in pieces[t]] or allowed
            if rng.random() < 0.3:  # sometimes close a value or take a choice early
                plain = allowed
            shortest = min(len(pieces[t]) or 99 for t in plain)
            token = rng.choice([t for t in plain if (len(pieces[t]) or 99) == shortest])
            assert matcher.consume_token(token), matcher.get_error()
            tokens.append(token)
        assert len(tokens) + 1 <= per_frame.minimum_new_tokens
        parse_fields(per_frame.decode(tokens))


@pytest.fixture(scope="module")
def fields_model(tmp_path_factory):
    folder = build_fields_model(tmp_path_factory.mktemp("grounded") / "model", seed=0)
    processor = AutoProcessor.from_pretrained(folder)
    processor.tokenizer.padding_side = "left"
    model = LlavaNextForConditionalGeneration.from_pretrained(folder).eval()
    loaded = LoadedModel(
        model, processor, torch.device("cpu"), torch.float32, family_of("llava_next"), "high"
    )
    return loaded, compile_fields_grammar(processor.tokenizer, model.generation_config.eos_token_id)


def test_a_random_model_only_ever_quotes_each_frames_own_lines_where_they_were_measured(fields_model):
    loaded, grammar = fields_model
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # NOTE: on a shared CPU, OpenMP threads spin against each other
    per_frame = [grammar.for_frame(overlays(lines)) for lines in FRAME_LINES]
    prepared = [
        prepare_frame(
            loaded,
            frame(((i * 53) % 256, 80, 90)),
            f"{fields_prompt()}\n{prompt_addition(lines)}",
            GenerationOptions(max_new_tokens=1),
        )
        for i, lines in enumerate(FRAME_LINES)
    ]
    inputs = collate(prepared, loaded.processor.tokenizer.pad_token_id)
    quoted = 0
    try:
        for seed in range(4):
            processor = FieldsLogitsProcessor(per_frame, len(per_frame))
            torch.manual_seed(seed)
            with torch.inference_mode():
                output = loaded.model.generate(
                    **inputs,
                    max_new_tokens=max(g.minimum_new_tokens for g in per_frame),
                    do_sample=True,
                    pad_token_id=loaded.processor.tokenizer.pad_token_id,
                    logits_processor=[processor],
                )
            rows = output[:, inputs["input_ids"].shape[1] :].tolist()
            for row, lines in enumerate(FRAME_LINES):
                allowed = overlays(lines)
                for overlay in processor.parse_row(row, rows[row])[OVERLAYS_KEY]:
                    assert {k: overlay[k] for k in ("text", "size", "position")} in allowed
                    quoted += 1
    finally:
        torch.set_num_threads(threads)
    assert quoted > 0  # the model did quote lines, so the check above was made


def test_a_processor_needs_one_grammar_per_row(grammar):
    with pytest.raises(ValueError, match="one per row"):
        FieldsLogitsProcessor([grammar.for_frame([])] * 2, 3)


def test_a_frame_may_offer_more_lines_than_overlays_fit(grammar):
    lines = [_line(f"Line {i}", [0.1, i / 60, 0.5, i / 60 + 0.01]) for i in range(50)]
    per_frame = grammar.for_frame(overlays(lines))
    picked = [{"text": f"Line {i}", "font": "f", "size": "small", "position": "top-left"} for i in (3, 7, 9)]
    assert _accepts(per_frame, _object(picked))
    assert not _accepts(per_frame, _object(picked + [{**picked[0], "text": "Line 12"}]))
    assert len(picked) == MAX_OVERLAYS
