"""Settings are a pure function of an environment mapping, read through the settings table."""

from __future__ import annotations

import typing

import pytest

from frame_describer.settings import (
    CHOICE,
    DEFAULT_MODEL_ID,
    NUMBER,
    PRESENCE,
    SETTINGS,
    SUBSET,
    TEXT,
    WHOLE,
    Settings,
    SettingsError,
)

NUMERIC = [s for s in SETTINGS if s.kind in (WHOLE, NUMBER)]


def test_an_empty_environment_gives_the_documented_defaults():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.model_id == DEFAULT_MODEL_ID


def test_every_variable_is_read():
    env = {
        "MODEL_ID": "/models/llava",
        "MODEL_REVISION": "abc123",
        "MODEL_CACHE_DIR": "/cache",
        "BAKED_MODEL_DIR": "/baked",
        "DEVICE": "CUDA",
        "MODEL_DTYPE": "bfloat16",
        "QUANTIZATION": "4bit",
        "ATTN_IMPLEMENTATION": "eager",
        "IMAGE_DETAIL": "low",
        "MAX_BATCH_SIZE": "12",
        "BATCH_WAIT_MS": "5",
        "MAX_CONCURRENT_JOBS": "10",
        "MAX_FRAMES_PER_JOB": "20",
        "MAX_NEW_TOKENS": "150",
        "MAX_NEW_TOKENS_LIMIT": "300",
        "MAX_PROMPT_CHARS": "1000",
        "FETCH_TIMEOUT_S": "7.5",
        "FETCH_RETRIES": "1",
        "FETCH_CONCURRENCY": "8",
        "DECODE_MEMORY_MB": "256",
        "MAX_FRAME_BYTES": "1000000",
        "MAX_IMAGE_PIXELS": "5000000",
        "LOG_LEVEL": "debug",
        "RUNPOD_WEBHOOK_POST_OUTPUT": "https://api.runpod.ai/v2/x/job-done",
    }
    settings = Settings.from_env(env)
    assert settings == Settings(
        model_id="/models/llava",
        model_revision="abc123",
        model_cache_dir="/cache",
        baked_model_dir="/baked",
        device="cuda",
        dtype="bfloat16",
        quantization="4bit",
        attn_implementation="eager",
        image_detail="low",
        max_batch_size=12,
        batch_wait_ms=5,
        max_concurrent_jobs=10,
        max_frames_per_job=20,
        default_max_new_tokens=150,
        max_new_tokens_limit=300,
        max_prompt_chars=1000,
        fetch_timeout_s=7.5,
        fetch_retries=1,
        fetch_concurrency=8,
        decode_memory_mb=256,
        max_frame_bytes=1_000_000,
        max_image_pixels=5_000_000,
        log_level="DEBUG",
        report_progress=True,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"MAX_BATCH_SIZE": "0"},
        {"MAX_BATCH_SIZE": "eight"},
        {"MODEL_DTYPE": "int3"},
        {"QUANTIZATION": "2bit"},
        {"FETCH_TIMEOUT_S": "-1"},
        {"FETCH_TIMEOUT_S": "soon"},
        {"MAX_NEW_TOKENS": "600", "MAX_NEW_TOKENS_LIMIT": "512"},
    ],
)
def test_an_unusable_value_is_refused_with_its_variable_name(env):
    with pytest.raises(SettingsError, match=next(iter(env))):
        Settings.from_env(env)


def test_a_blank_variable_means_its_default():
    assert Settings.from_env({"MAX_BATCH_SIZE": "  ", "DEVICE": ""}) == Settings()


def test_settings_cannot_be_changed_after_start():
    with pytest.raises(AttributeError):
        Settings().max_batch_size = 3


class RecordingEnv(dict):
    """An environment that remembers which variables were looked up."""

    def __init__(self):
        super().__init__()
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def test_the_table_names_exactly_the_variables_that_are_read():
    env = RecordingEnv()
    Settings.from_env(env)
    assert env.read == {s.env for s in SETTINGS}


def test_every_settings_field_is_a_row_of_the_table():
    assert [s.attribute for s in SETTINGS] == list(typing.get_type_hints(Settings))


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_a_rows_kind_fits_the_type_of_its_field(setting):
    expected = {
        TEXT: (str, str | None),
        CHOICE: (str,),
        WHOLE: (int,),
        NUMBER: (float,),
        PRESENCE: (bool,),
        SUBSET: (tuple[str, ...],),
    }
    assert typing.get_type_hints(Settings)[setting.attribute] in expected[setting.kind]


@pytest.mark.parametrize("setting", NUMERIC, ids=lambda s: s.env)
def test_a_numeric_setting_takes_its_bounds_and_refuses_beyond_them(setting):
    # The output length may not exceed its limit: keep that pair apart from the bound tested.
    base = {"MAX_NEW_TOKENS": "1", "MAX_NEW_TOKENS_LIMIT": "4096"}
    low, high = setting.low, setting.high
    assert getattr(Settings.from_env({**base, setting.env: str(low)}), setting.attribute) == low
    assert getattr(Settings.from_env({**base, setting.env: str(high)}), setting.attribute) == high
    step = 0.01 if setting.kind == NUMBER else 1
    for outside in (low - step, high + step):
        with pytest.raises(SettingsError, match=setting.env):
            Settings.from_env({**base, setting.env: str(outside)})


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.image is not None], ids=lambda s: s.env)
def test_the_images_value_of_a_setting_is_accepted_and_differs_from_its_default(setting):
    assert Settings.from_env({setting.env: setting.image}) != Settings()
