"""A model that cannot load stops the worker before it takes any job, with a clear message."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from testkit.local_api import REPO

JOB = json.dumps({"input": {"frame_urls": ["data:image/jpeg;base64,AAAA"]}})


def start_worker(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "handler.py", "--test_input", JOB],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_model_id_that_does_not_exist_stops_the_worker(tmp_path):
    result = start_worker(MODEL_ID=str(tmp_path / "no-such-model"), HF_HUB_OFFLINE="1")
    assert result.returncode != 0
    assert "Model failed to load" in result.stderr
    assert "no-such-model" in result.stderr
    assert "Started." not in result.stdout + result.stderr


def test_a_checkpoint_without_weights_stops_the_worker(tiny_model, tmp_path):
    broken = tmp_path / "no-weights"
    shutil.copytree(tiny_model, broken)
    for weights in broken.glob("*.safetensors"):
        weights.unlink()
    result = start_worker(MODEL_ID=str(broken), HF_HUB_OFFLINE="1")
    assert result.returncode != 0
    assert "Model failed to load" in result.stderr


def test_an_invalid_setting_stops_the_worker_naming_the_variable():
    result = start_worker(MAX_BATCH_SIZE="lots")
    assert result.returncode != 0
    assert "MAX_BATCH_SIZE" in result.stderr
