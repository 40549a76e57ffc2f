"""The RunPod Hub listing tells the truth about the worker's settings and where it runs."""

from __future__ import annotations

import json
import re

import pytest

from frame_describer.settings import Settings, SettingsError
from testkit.local_api import REPO

HUB = json.loads((REPO / ".runpod" / "hub.json").read_text())
INPUTS = {entry["key"]: entry["input"] for entry in HUB["config"]["env"]}
NUMBERS = [key for key, field in INPUTS.items() if field["type"] == "number"]
# What a user tunes only with a reason: kept under "advanced" in the listing.
TUNING = {"BATCH_WAIT_MS", "FETCH_TIMEOUT_S", "FETCH_RETRIES", "FETCH_CONCURRENCY", "MAX_FRAME_BYTES"}


@pytest.mark.parametrize("key", NUMBERS)
def test_a_numeric_input_has_the_bounds_the_worker_enforces(key):
    low, high = INPUTS[key]["min"], INPUTS[key]["max"]
    # The output length may not exceed its limit: keep that pair apart from the bound tested.
    base = {"MAX_NEW_TOKENS": "1", "MAX_NEW_TOKENS_LIMIT": "4096"}
    Settings.from_env({**base, key: str(low)})
    Settings.from_env({**base, key: str(high)})
    step = 0.01 if isinstance(low, float) else 1
    for outside in (low - step, high + step):
        with pytest.raises(SettingsError, match=key):
            Settings.from_env({**base, key: str(outside)})


@pytest.mark.parametrize("key", NUMBERS)
def test_a_numeric_inputs_default_is_the_workers_default(key):
    field = {"MAX_NEW_TOKENS": "default_max_new_tokens"}.get(key, key.lower())
    assert INPUTS[key]["default"] == getattr(Settings(), field)


def test_tuning_settings_are_marked_advanced_and_the_main_ones_are_not():
    assert all(INPUTS[key].get("advanced") for key in TUNING)
    main = ("MODEL_ID", "MAX_BATCH_SIZE", "MAX_CONCURRENT_JOBS")
    assert not any(INPUTS[key].get("advanced") for key in main)


def test_the_model_field_says_the_image_is_offline():
    assert "offline" in INPUTS["MODEL_ID"]["description"]


def test_every_gpu_pool_the_deployment_docs_recommend_is_in_the_listing():
    deployment = (REPO / "docs" / "deployment.md").read_text()
    recommended = set(re.findall(r"^\s*\| [^|]+ \| `([A-Z]+_\d+(?:_PRO)?)` \|", deployment, re.M))
    assert recommended and recommended == set(HUB["config"]["gpuIds"].split(","))


def test_every_preset_changes_something():
    for preset in HUB["config"]["presets"]:
        changed = {k: v for k, v in preset["defaults"].items() if v != INPUTS[k].get("default")}
        assert changed, preset["name"]
