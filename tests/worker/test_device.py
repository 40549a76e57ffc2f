"""A GPU image never starts on the CPU: DEVICE=cuda without a usable GPU stops start-up, saying why."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

from frame_describer.device import pick_device, required_driver
from testkit.local_api import REPO

JOB = json.dumps({"input": {"frame_urls": ["data:image/jpeg;base64,AAAA"]}})


def test_device_cuda_without_a_gpu_stops_start_up_naming_what_torch_sees(tiny_model):
    # This machine has no GPU: exactly what a container on a too-old driver sees.
    result = subprocess.run(
        [sys.executable, "handler.py", "--test_input", JOB],
        cwd=REPO,
        env={**os.environ, "MODEL_ID": str(tiny_model), "DEVICE": "cuda"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    message = result.stderr
    assert "No usable GPU, not taking jobs: DEVICE=cuda, but torch sees no usable CUDA GPU" in message
    assert f"torch {torch.__version__}" in message
    if torch.version.cuda:
        assert f"built for CUDA {torch.version.cuda}, which needs NVIDIA driver" in message
    assert "Started." not in result.stdout + result.stderr  # no job was taken


def test_device_auto_falls_back_to_the_cpu_for_development():
    assert pick_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")


def test_device_cpu_is_the_cpu_even_where_a_gpu_is_visible():
    assert pick_device("cpu") == torch.device("cpu")


def test_each_cuda_line_names_the_driver_it_needs():
    assert required_driver("13.0") == 580
    assert required_driver("12.8") == 570
    assert required_driver("11.0") is None
