"""Which device the worker runs on, and the refusal to start anywhere else than it was told.

`DEVICE=cuda` (what the Docker image sets) means a GPU or nothing: a container whose torch
cannot use the host's driver still starts, torch simply sees no GPU, and without this check the
7B model would load on the CPU in float32 (about 30 GB of RAM) and take jobs at minutes per
frame. `auto` (for development) takes the GPU when torch sees one, else the CPU.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .errors import DeviceError

# The oldest NVIDIA driver each CUDA runtime needs (NVIDIA's CUDA toolkit release notes).
_DRIVER_FOR_CUDA = {"13": 580, "12.9": 575, "12.8": 570, "12.6": 560, "12.4": 550}
_DRIVER_VERSION_FILE = Path("/proc/driver/nvidia/version")


def pick_device(setting: str) -> torch.device:
    """The device for `DEVICE` (`auto`, `cuda` or `cpu`); `DeviceError` when `cuda` is not usable."""
    if setting == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if setting == "cuda":
        raise DeviceError(no_gpu_reason())
    return torch.device("cpu")


def no_gpu_reason() -> str:
    """One message that says what torch sees and what it would need."""
    built_for = torch.version.cuda
    if built_for is None:
        build = f"torch {torch.__version__} is a CPU-only build"
    else:
        need = required_driver(built_for)
        build = f"torch {torch.__version__} is built for CUDA {built_for}" + (
            f", which needs NVIDIA driver {need} or newer" if need else ""
        )
    host = host_driver()
    seen = f"the host's NVIDIA driver is {host}" if host else "no NVIDIA driver is visible in this container"
    return (
        f"DEVICE=cuda, but torch sees no usable CUDA GPU: {build}; {seen}; "
        f"torch.cuda.device_count() is {torch.cuda.device_count()}. Deploy on hosts with a newer driver "
        "(the CUDA versions in .runpod/hub.json's allowedCudaVersions), or set DEVICE=cpu to use the CPU "
        "on purpose."
    )


def required_driver(cuda_version: str) -> int | None:
    """The oldest driver for a CUDA runtime version such as "13.0" or "12.8", if known."""
    major = cuda_version.split(".")[0]
    return _DRIVER_FOR_CUDA.get(cuda_version) or _DRIVER_FOR_CUDA.get(major)


def host_driver() -> str | None:
    """The kernel driver's version as the container sees it, e.g. "570.133.20"."""
    try:
        text = _DRIVER_VERSION_FILE.read_text()
    except OSError:
        return None
    for word in text.split():
        if word.count(".") >= 1 and word.replace(".", "").isdigit():
            return word
    return None
