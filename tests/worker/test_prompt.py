"""The default prompt and how the model's text becomes a description."""

from __future__ import annotations

from frame_describer.prompt import DEFAULT_PROMPT, clean_description, drop_unfinished_sentence


def test_the_default_prompt_asks_for_every_production_detail():
    for topic in ("camera angle", "framing", "visual effects", "colour grading", "lighting"):
        assert topic in DEFAULT_PROMPT
    for topic in ("composition", "text overlays", "font style", "size", "position", "background"):
        assert topic in DEFAULT_PROMPT
    assert "2 to 3 sentences" in DEFAULT_PROMPT


def test_a_frame_label_before_the_prose_is_removed():
    assert clean_description("Frame 3: Wide shot of a city.") == "Wide shot of a city."


def test_line_breaks_and_repeated_spaces_become_single_spaces():
    assert clean_description("  Wide shot.\n\nWarm  light. ") == "Wide shot. Warm light."


def test_a_cut_off_description_ends_at_its_last_complete_sentence():
    text = "Wide shot at dusk. Orange grade with soft glow. White sans-serif title in the upp"
    assert drop_unfinished_sentence(text) == "Wide shot at dusk. Orange grade with soft glow."


def test_numbers_and_hex_colours_are_not_taken_for_sentence_ends():
    text = "Gradient from #1a1a2e to #16213e at 1.5x zoom. Title ce"
    assert drop_unfinished_sentence(text) == "Gradient from #1a1a2e to #16213e at 1.5x zoom."


def test_a_cut_off_description_without_any_complete_sentence_is_kept_whole():
    assert (
        drop_unfinished_sentence("Wide shot with a dark gradient and") == "Wide shot with a dark gradient and"
    )
