"""The fields schema without a model: parsing, prose, prompt and the token budget."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from frame_describer.fields import (
    FIELD_KEYS,
    FIELDS_INSTRUCTIONS,
    FIELDS_PROMPT,
    MAX_OVERLAYS,
    FieldsError,
    fields_prompt,
    json_schema,
    lark_grammar,
    literal_pieces,
    minimum_new_tokens,
    parse_fields,
    render_prose,
)

OVERLAY = {
    "text": "SUMMER SALE",
    "font": "bold condensed sans-serif",
    "size": "large",
    "position": "top centre",
}
FIELDS = {
    "camera": "low-angle medium close-up, static",
    "effects": "soft glow and drifting dust particles",
    "lighting_and_colour": "warm key light from the left, teal and orange grade",
    "composition": "subject on the left third, open space on the right",
    "text_overlays": [OVERLAY],
    "background": "blurred city street at dusk",
}


def test_a_complete_object_parses_to_the_same_fields():
    assert parse_fields(json.dumps(FIELDS)) == FIELDS


def test_parsed_fields_come_in_schema_order():
    shuffled = dict(reversed(list(FIELDS.items())))
    assert tuple(parse_fields(json.dumps(shuffled))) == FIELD_KEYS


@pytest.mark.parametrize(
    "broken",
    [
        json.dumps(FIELDS)[:-20],  # cut off by the token limit
        json.dumps({k: v for k, v in FIELDS.items() if k != "background"}),
        json.dumps({**FIELDS, "mood": "tense"}),
        json.dumps({**FIELDS, "camera": 3}),
        json.dumps({**FIELDS, "text_overlays": [OVERLAY] * (MAX_OVERLAYS + 1)}),
        json.dumps({**FIELDS, "text_overlays": [{"text": "HI"}]}),
        json.dumps({**FIELDS, "text_overlays": "none"}),
        json.dumps([FIELDS]),
    ],
    ids=[
        "cut-off",
        "missing-key",
        "extra-key",
        "number",
        "many-overlays",
        "thin-overlay",
        "string-list",
        "array",
    ],
)
def test_output_outside_the_schema_is_a_fields_error(broken):
    with pytest.raises(FieldsError):
        parse_fields(broken)


def test_parsing_drops_halves_of_characters_and_extra_whitespace():
    raw = json.dumps({**FIELDS, "camera": "  wide shot,\n  handheld \ufffd"})
    assert parse_fields(raw)["camera"] == "wide shot, handheld"


def test_prose_has_every_value_and_no_field_labels():
    prose = render_prose(FIELDS)
    for value in [v for k, v in FIELDS.items() if k != "text_overlays"] + list(OVERLAY.values()):
        assert value.lower() in prose.lower()
    assert not any(f"{key}:" in prose.lower() for key in (*FIELD_KEYS, "camera", "lighting"))


def test_prose_quotes_each_overlay_and_reads_as_sentences():
    second = {**OVERLAY, "text": "Only today", "position": "bottom left"}
    prose = render_prose({**FIELDS, "text_overlays": [OVERLAY, second]})
    assert "\u201cSUMMER SALE\u201d" in prose and "\u201cOnly today\u201d" in prose
    assert prose[0].isupper() and prose.endswith(".")


def test_prose_leaves_out_empty_effects_and_says_when_there_is_no_text():
    prose = render_prose({**FIELDS, "effects": "None.", "text_overlays": []})
    assert "none" not in prose.lower()
    assert prose.endswith("There is no text overlay.")


def test_a_job_prompt_keeps_the_schema_instructions_after_it():
    assert fields_prompt() == FIELDS_PROMPT
    custom = fields_prompt("Focus on the typography.")
    assert custom.startswith("Focus on the typography.") and custom.endswith(FIELDS_INSTRUCTIONS)


def test_the_instructions_name_every_key():
    assert all(f'"{key}"' in FIELDS_INSTRUCTIONS for key in FIELD_KEYS)


def test_the_grammar_caps_every_value():
    capped = re.findall(r"^(\w+)\[max_tokens=\d+\]:", lark_grammar(), re.MULTILINE)
    strings = [f"{k}" for k in FIELD_KEYS if k != "text_overlays"] + list(OVERLAY)
    assert sorted(name.split("_", 1)[1] for name in capped) == sorted(strings)


def test_the_literal_pieces_spell_the_longest_object_without_its_values():
    empty = {key: "" for key in FIELD_KEYS} | {"text_overlays": [dict.fromkeys(OVERLAY, "")] * MAX_OVERLAYS}
    assert "".join(literal_pieces()) == " " + json.dumps(empty)


def test_without_a_tokenizer_the_budget_counts_a_token_per_literal_byte():
    literal_bytes = sum(len(piece.encode()) for piece in literal_pieces())
    assert minimum_new_tokens() - minimum_new_tokens(lambda piece: 0) == literal_bytes


def test_the_json_schema_requires_exactly_the_fields():
    schema = json_schema()
    assert schema["required"] == list(FIELD_KEYS) and schema["additionalProperties"] is False
    assert schema["properties"]["text_overlays"]["maxItems"] == MAX_OVERLAYS


def test_text_mode_modules_do_not_import_llguidance():
    code = (
        "import sys, frame_describer.fields, frame_describer.generation, frame_describer.preprocess,"
        " frame_describer.worker;"
        "sys.exit('llguidance' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
