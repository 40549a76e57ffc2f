"""The RunPod Hub listing: its hand-written parts (presets, pools) agree with the settings table.

Its `env` array is written from the table (`scripts/generate.py`); `test_generated.py` holds
it to the table, so these tests read the listing only for what is not generated.
"""

from __future__ import annotations

import json
import re

import pytest

from frame_describer.settings import SETTINGS, Settings
from testkit.local_api import REPO

HUB = json.loads((REPO / ".runpod" / "hub.json").read_text())
INPUTS = {entry["key"]: entry["input"] for entry in HUB["config"]["env"]}
BY_ENV = {s.env: s for s in SETTINGS}
# What a user tunes only with a reason: kept under "advanced" in the listing.
TUNING = {"BATCH_WAIT_MS", "FETCH_TIMEOUT_S", "FETCH_RETRIES", "FETCH_CONCURRENCY", "MAX_FRAME_BYTES"}


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


def test_the_device_field_offers_the_images_value_first_and_by_default():
    assert INPUTS["DEVICE"]["default"] == "cuda"
    assert INPUTS["DEVICE"]["options"][0]["value"] == "cuda"


@pytest.mark.parametrize("preset", HUB["config"]["presets"], ids=lambda p: p["name"])
def test_a_preset_sets_only_settings_and_values_the_worker_accepts(preset):
    env = {key: str(value) for key, value in preset["defaults"].items()}
    assert set(env) <= set(BY_ENV)
    settings = Settings.from_env(env)
    assert all(getattr(settings, BY_ENV[key].attribute) == value for key, value in preset["defaults"].items())


def test_every_preset_changes_something():
    for preset in HUB["config"]["presets"]:
        changed = {k: v for k, v in preset["defaults"].items() if v != INPUTS[k].get("default")}
        assert changed, preset["name"]


def test_the_hubs_test_run_uses_settings_the_worker_accepts():
    tests = json.loads((REPO / ".runpod" / "tests.json").read_text())
    env = {entry["key"]: entry["value"] for entry in tests["config"]["env"]}
    assert set(env) <= set(BY_ENV)
    Settings.from_env(env)
