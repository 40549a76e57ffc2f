"""One CUDA line everywhere: the base image, torch, the lock, RunPod's host filter and the docs agree.

A torch wheel built for a newer CUDA than a host's driver supports starts fine and sees no GPU,
so these must never drift apart. The line is read from the Dockerfile's base image and every
other place must say the same.
"""

from __future__ import annotations

import json
import re

import torch

from testkit.local_api import REPO


def cuda_line() -> str:
    """major.minor of the Dockerfile's nvidia/cuda base image."""
    match = re.search(r"^FROM nvidia/cuda:(\d+\.\d+)\.\d+-", (REPO / "Dockerfile").read_text(), re.M)
    assert match, "the Dockerfile's base image is not an nvidia/cuda image"
    return match.group(1)


def pins(path: str) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", (REPO / path).read_text(), re.M)
    return {name.lower(): version for name, version in found}


def test_the_torch_the_worker_is_tested_with_is_a_build_for_the_cuda_line():
    # The wheel installed here is the very file requirements.txt pins (same version, same index).
    assert torch.__version__.split("+")[0] == pins("requirements.txt")["torch"]
    assert torch.version.cuda == cuda_line()


def test_the_image_lock_pins_the_same_torch_and_a_cuda_runtime_of_the_line():
    lock = pins("requirements.lock")
    assert lock["torch"] == pins("requirements.txt")["torch"]
    assert re.match(rf"{re.escape(cuda_line())}\.", lock["nvidia-cuda-runtime"])


def test_every_pin_of_requirements_txt_is_what_the_lock_holds():
    lock = pins("requirements.lock")
    assert {name: lock.get(name) for name in pins("requirements.txt")} == pins("requirements.txt")


def test_runpod_places_the_worker_only_on_hosts_of_the_line():
    for listing in (".runpod/hub.json", ".runpod/tests.json"):
        allowed = json.loads((REPO / listing).read_text())["config"]["allowedCudaVersions"]
        assert allowed == [cuda_line()], listing


def test_the_deployment_docs_and_the_requirements_comment_state_the_line():
    line = cuda_line()
    assert f"The CUDA line is {line}" in (REPO / "requirements.txt").read_text()
    for page in ("README.md", "docs/deployment.md"):
        assert f"CUDA {line}" in (REPO / page).read_text(), page
        assert "12.8 and newer" not in (REPO / page).read_text(), page
