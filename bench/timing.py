"""Wall-clock timing that waits for the GPU, and peak GPU memory per measured region."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

GIB = 1024**3


@dataclass
class Measurement:
    """What one timed region took: seconds, and the peak GPU memory allocated in it (CUDA only)."""

    seconds: float = 0.0
    peak_gpu_gib: float | None = None


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@contextmanager
def measured(device: torch.device) -> Iterator[Measurement]:
    """Time the block between two synchronisations; the peak memory counter starts fresh."""
    result = Measurement()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    synchronize(device)
    started = time.perf_counter()
    yield result
    synchronize(device)
    result.seconds = time.perf_counter() - started
    if device.type == "cuda":
        result.peak_gpu_gib = torch.cuda.max_memory_allocated(device) / GIB


def decode_step_ms(batch_seconds: float, prefill_seconds: float, new_tokens: int) -> float | None:
    """One decoding step of a batch: a whole generate call less its prefill (the first token)."""
    if new_tokens < 2:
        return None
    return 1000 * max(batch_seconds - prefill_seconds, 0.0) / (new_tokens - 1)
