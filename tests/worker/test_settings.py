"""Settings are a pure function of an environment mapping."""

from __future__ import annotations

import json

import pytest

from frame_describer.settings import DEFAULT_MODEL_ID, ENVIRONMENT_VARIABLES, Settings, SettingsError
from testkit.local_api import REPO


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
        {"MAX_NEW_TOKENS": "600", "MAX_NEW_TOKENS_LIMIT": "512"},
    ],
)
def test_an_unusable_value_is_refused_with_its_variable_name(env):
    with pytest.raises(SettingsError, match=next(iter(env))):
        Settings.from_env(env)


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


def test_the_documented_variable_list_is_exactly_what_is_read():
    env = RecordingEnv()
    Settings.from_env(env)
    assert env.read - {"RUNPOD_WEBHOOK_POST_OUTPUT"} == set(ENVIRONMENT_VARIABLES)


@pytest.mark.parametrize("name", ENVIRONMENT_VARIABLES)
def test_every_setting_is_documented_in_the_readme_and_the_hub_listing(name):
    hub = json.loads((REPO / ".runpod" / "hub.json").read_text())
    assert name in {entry["key"] for entry in hub["config"]["env"]}
    assert f"`{name}`" in (REPO / "README.md").read_text()
