"""The worker run the ways the runpod SDK documents: local test input and the local API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from testkit.images import b64, jpeg
from testkit.local_api import REPO


def run_handler(model: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "handler.py", *args],
        cwd=REPO,
        env={**os.environ, "MODEL_ID": str(model)},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_python_handler_describes_the_frames_of_test_input_json(tiny_model):
    result = run_handler(tiny_model)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Job local_test completed successfully" in result.stdout + result.stderr


def test_python_handler_accepts_a_test_input_argument(tiny_model):
    job = {"input": {"frame_data": [b64(jpeg())], "format": "base64"}}
    result = run_handler(tiny_model, "--test_input", json.dumps(job))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'failed_indices': []" in result.stdout + result.stderr


def test_python_handler_exits_non_zero_for_an_invalid_job_and_says_why(tiny_model):
    result = run_handler(tiny_model, "--test_input", json.dumps({"input": {"frame_urls": []}}))
    assert result.returncode == 1
    # The job ran and was rejected for its input, not a worker that failed to start.
    assert (
        "Job local_test failed with error: Invalid input: 'frame_urls' is empty"
        in result.stdout + result.stderr
    )


def test_a_job_round_trips_through_run_and_status_on_the_local_api(api_server):
    body = {"input": {"frame_data": [b64(jpeg()), "not base64!"], "format": "base64"}}
    queued = requests.post(f"{api_server}/run", json=body, timeout=30).json()
    status = requests.post(f"{api_server}/status/{queued['id']}", timeout=120).json()
    assert status["status"] == "COMPLETED"
    output = status["output"]
    assert output["count"] == 2
    assert output["failed_indices"] == [1]
    assert output["descriptions"][0]


def test_an_invalid_job_is_failed_with_its_reason_on_the_local_api(api_server):
    queued = requests.post(f"{api_server}/run", json={"input": {"frame_url": ["x"]}}, timeout=30).json()
    status = requests.post(f"{api_server}/status/{queued['id']}", timeout=60).json()
    assert status["status"] == "FAILED"
    assert "frame_url" in status["error"]
