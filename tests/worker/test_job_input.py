"""Parsing a job: every request that is wrong as a whole gets one clear sentence, and every
other one is resolved once into what it runs with."""

from __future__ import annotations

import pytest

from frame_contract.job_input import JOB_INPUT
from frame_describer.errors import InvalidJob
from frame_describer.fields import FIELDS_PROMPT, fields_prompt
from frame_describer.job_input import ModelCapabilities, parse_job
from frame_describer.prompt import DEFAULT_PROMPT
from frame_describer.settings import SETTINGS as SETTINGS_TABLE
from frame_describer.settings import Settings, SettingsError

SETTINGS = Settings(max_frames_per_job=3, max_prompt_chars=50, max_new_tokens_limit=300)
# A model whose fields objects need 120 new tokens, as a worker describes its loaded model.
MODEL = ModelCapabilities(family="Tiny", fields_min_new_tokens=120)


def parse(job_input, model: ModelCapabilities = MODEL, settings: Settings = SETTINGS):
    return parse_job(job_input, settings, model)


def rejection(job_input, model: ModelCapabilities = MODEL, settings: Settings = SETTINGS) -> str:
    with pytest.raises(InvalidJob) as caught:
        parse(job_input, model, settings)
    return str(caught.value)


def test_input_that_is_not_an_object_is_rejected():
    assert "JSON object" in rejection(["http://x/a.jpg"])


def test_input_without_frames_is_rejected():
    assert "No frames" in rejection({})


def test_an_empty_frame_list_is_rejected():
    assert "empty" in rejection({"frame_urls": []})


def test_frames_that_are_not_a_list_are_rejected():
    assert "must be a list" in rejection({"frame_urls": "http://x/a.jpg"})


def test_both_frame_sources_at_once_are_rejected():
    assert "not both" in rejection({"frame_urls": ["a"], "frame_data": ["b"], "format": "base64"})


def test_base64_format_without_frame_data_is_rejected():
    assert "frame_data" in rejection({"frame_urls": ["a"], "format": "base64"})


def test_frame_data_without_base64_format_is_rejected():
    assert "'format': 'base64'" in rejection({"frame_data": ["abc"]})


def test_an_unknown_format_is_rejected():
    assert "'format'" in rejection({"frame_urls": ["a"], "format": "jpeg"})


def test_a_misspelt_key_is_caught():
    assert "'frame_url'" in rejection({"frame_url": ["http://x/a.jpg"]})


def test_a_prompt_that_is_not_text_is_rejected():
    assert "'prompt'" in rejection({"frame_urls": ["a"], "prompt": 5})


def test_a_blank_prompt_is_rejected():
    assert "'prompt'" in rejection({"frame_urls": ["a"], "prompt": "   "})


def test_a_prompt_over_the_limit_is_rejected():
    assert "at most 50" in rejection({"frame_urls": ["a"], "prompt": "x" * 51})


@pytest.mark.parametrize("value", [0, -1, 301, 2.5, "100", True])
def test_max_new_tokens_outside_its_bounds_is_rejected(value):
    assert "max_new_tokens" in rejection({"frame_urls": ["a"], "max_new_tokens": value})


def test_more_frames_than_the_limit_is_rejected():
    assert "at most 3" in rejection({"frame_urls": ["a"] * 4})


def test_bad_entries_do_not_make_the_job_invalid():
    request = parse({"frame_urls": [None, 7, "ftp://x"]})
    assert [f.value for f in request.frames] == [None, 7, "ftp://x"]


def test_the_default_prompt_and_token_budget_apply_when_not_given():
    request = parse({"frame_urls": ["a"]})
    assert request.prompt == DEFAULT_PROMPT
    assert request.generation.max_new_tokens == SETTINGS.default_max_new_tokens


def test_a_job_prompt_and_token_budget_replace_the_defaults():
    request = parse({"frame_urls": ["a"], "prompt": " Read the text. ", "max_new_tokens": 40})
    assert (request.prompt, request.generation.max_new_tokens) == ("Read the text.", 40)


def test_base64_frames_are_marked_as_base64():
    request = parse({"frame_data": ["abc"], "format": "base64"})
    assert request.frames[0].kind == "base64"


def test_a_text_job_runs_the_default_prompt_and_says_none_was_given():
    request = parse({"frame_urls": ["a"]})
    assert (request.prompt, request.prompt_given) == (DEFAULT_PROMPT, False)


def test_a_fields_job_without_a_prompt_runs_the_fields_prompt():
    request = parse({"frame_urls": ["a"], "output": "fields"})
    assert (request.prompt, request.prompt_given) == (FIELDS_PROMPT, False)


def test_a_fields_job_that_sends_the_default_prompt_text_keeps_it_as_its_own():
    request = parse({"frame_urls": ["a"], "output": "fields", "prompt": DEFAULT_PROMPT}, settings=Settings())
    assert (request.prompt, request.prompt_given) == (fields_prompt(DEFAULT_PROMPT), True)


def test_a_fields_job_prompt_is_followed_by_the_fields_instructions():
    request = parse({"frame_urls": ["a"], "output": "fields", "prompt": "Focus on the type."})
    assert request.prompt == fields_prompt("Focus on the type.")


def test_a_fields_job_without_a_budget_gets_one_in_which_every_object_completes():
    request = parse({"frame_urls": ["a"], "output": "fields"}, settings=Settings(max_new_tokens_limit=300))
    assert request.generation.max_new_tokens == max(120, Settings().default_max_new_tokens)


def test_a_fields_job_keeps_its_own_budget_when_an_object_fits_in_it():
    request = parse({"frame_urls": ["a"], "output": "fields", "max_new_tokens": 150})
    assert (request.generation.output, request.generation.max_new_tokens) == ("fields", 150)


def test_a_fields_job_whose_budget_cannot_hold_an_object_is_rejected():
    message = rejection({"frame_urls": ["a"], "output": "fields", "max_new_tokens": 119})
    assert message == "'output': 'fields' needs 'max_new_tokens' of at least 120, not 119."


def test_a_fields_job_is_rejected_when_an_object_needs_more_than_the_limit():
    model = ModelCapabilities(fields_min_new_tokens=301)
    assert "MAX_NEW_TOKENS_LIMIT is 300" in rejection({"frame_urls": ["a"], "output": "fields"}, model)


def test_a_fields_job_is_rejected_with_the_reason_a_model_cannot_give_fields():
    model = ModelCapabilities(fields_min_new_tokens=None, fields_unavailable="no byte tokens")
    message = rejection({"frame_urls": ["a"], "output": "fields"}, model)
    assert message == "This model cannot give 'output': 'fields' (no byte tokens)."


def test_a_text_job_is_not_held_to_the_fields_budget():
    model = ModelCapabilities(fields_min_new_tokens=None)
    assert parse({"frame_urls": ["a"], "max_new_tokens": 5}, model).generation.max_new_tokens == 5


def test_a_detail_the_family_fixed_at_load_may_be_asked_for():
    model = ModelCapabilities(family="LLaVA-NeXT", fixed_detail="low")
    assert parse({"frame_urls": ["a"], "detail": "low"}, model).detail == "low"


def test_a_detail_other_than_the_one_fixed_at_load_is_rejected():
    model = ModelCapabilities(family="LLaVA-NeXT", fixed_detail="high")
    message = rejection({"frame_urls": ["a"], "detail": "low"}, model)
    assert "for LLaVA-NeXT (IMAGE_DETAIL=high)" in message


def test_the_worker_detail_applies_when_a_job_does_not_choose():
    assert parse({"frame_urls": ["a"]}, settings=Settings(image_detail="low")).detail == "low"


def test_an_unknown_detail_is_rejected():
    assert (
        rejection({"frame_urls": ["a"], "detail": "ultra"})
        == "'detail' must be 'high' or 'low', not 'ultra'."
    )


def test_an_unknown_output_is_rejected():
    assert (
        rejection({"frame_urls": ["a"], "output": "json"})
        == "'output' must be 'text' or 'fields', not 'json'."
    )


def test_a_prompt_the_model_refuses_rejects_the_job():
    def refuse(prompt: str) -> None:
        raise InvalidJob("'prompt' must not contain the model's special token '<image>'.")

    message = rejection({"frame_urls": ["a"], "prompt": "<image>"}, ModelCapabilities(check_prompt=refuse))
    assert "special token" in message


def test_the_model_judges_the_prompt_the_caller_sent_not_the_default():
    judged: list[str] = []
    parse({"frame_urls": ["a"]}, ModelCapabilities(check_prompt=judged.append))
    parse({"frame_urls": ["a"], "prompt": " Mine. "}, ModelCapabilities(check_prompt=judged.append))
    assert judged == ["Mine."]


def test_every_key_the_contract_declares_is_accepted():
    job = {"frame_data": ["abc"], "format": "base64", "prompt": "p", "max_new_tokens": 130}
    job |= {"detail": "low", "output": "fields", "measure": True}
    assert set(job) == {key.name for key in JOB_INPUT} - {"frame_urls"}
    assert parse(job).frames[0].value == "abc"


def test_every_setting_the_contract_names_is_a_worker_setting():
    named = {key.maximum_setting for key in JOB_INPUT} | {key.default_setting for key in JOB_INPUT}
    assert named - {None} <= {setting.env for setting in SETTINGS_TABLE}


def test_an_option_sent_as_null_means_the_same_as_one_left_out():
    job = {"frame_urls": ["a"]}
    nulls = {"format": None, "prompt": None, "max_new_tokens": None, "detail": None, "output": None}
    nulls |= {"measure": None}
    assert parse(job | nulls) == parse(job)


def test_measure_true_asks_for_every_kind():
    assert parse({"frame_urls": ["a"], "measure": True}).measure == ("text", "colour", "exposure")


def test_a_measure_list_asks_for_its_kinds_in_the_canonical_order():
    assert parse({"frame_urls": ["a"], "measure": ["exposure", "colour", "exposure"]}).measure == (
        "colour",
        "exposure",
    )


def test_an_empty_measure_list_measures_nothing_whatever_the_worker_default():
    settings = Settings.from_env({"MEASURE": "all"})
    assert parse({"frame_urls": ["a"], "measure": []}, settings=settings).measure == ()


@pytest.mark.parametrize("asked", [None, False])
def test_measure_false_or_left_out_is_the_workers_measure_setting(asked):
    settings = Settings.from_env({"MEASURE": "exposure, text"})
    assert parse({"frame_urls": ["a"], "measure": asked}, settings=settings).measure == ("text", "exposure")
    assert parse({"frame_urls": ["a"], "measure": asked}).measure == ()


@pytest.mark.parametrize("asked", ["text", 1, {"text": True}, ["text", "faces"], [["text"]], ["TEXT"]])
def test_any_other_measure_is_one_clear_sentence(asked):
    message = rejection({"frame_urls": ["a"], "measure": asked})
    assert message.startswith("'measure' must be true or a list of 'text', 'colour', 'exposure'")


def test_a_wrong_measure_entry_is_named_by_its_place_not_echoed():
    message = rejection(
        {"frame_urls": ["a"], "measure": ["colour", "https://example.com/secret?sig=" + "x" * 500]}
    )
    assert "entry 1" in message and "secret" not in message and len(message) < 200


@pytest.mark.parametrize(
    ("value", "kinds"),
    [("", ()), ("none", ()), ("ALL", ("text", "colour", "exposure")), ("colour,text", ("text", "colour"))],
)
def test_the_measure_setting_reads_all_none_or_a_list(value, kinds):
    assert Settings.from_env({"MEASURE": value}).measure == kinds


@pytest.mark.parametrize("value", ["ocr", "all,text", ",", "text;colour"])
def test_a_measure_setting_that_is_not_kinds_is_refused_by_name(value):
    with pytest.raises(SettingsError, match="MEASURE"):
        Settings.from_env({"MEASURE": value})
