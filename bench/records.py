"""What one benchmark run measured, and the timing of a block between two GPU synchronisations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import torch

GIB = 1024**3


@dataclass
class RunRecord:
    """One mode at one batch size: `frames` frames described in `seconds`."""

    mode: str
    batch_size: int
    frames: int
    seconds: float
    peak_gpu_gib: float | None  # torch.cuda.max_memory_allocated
    peak_reserved_gib: float | None  # torch.cuda.max_memory_reserved: what the card must hold
    image_tokens_per_frame: int
    text_tokens_per_frame: int
    new_tokens_per_frame: float  # what the model produced, counted from its output
    batches: int  # generate calls
    failed: int = 0
    empty: int = 0  # descriptions that were whitespace only: generated, but nothing to read
    jobs_in_flight: int | None = None
    prefill_s_per_frame: float | None = None  # one generate of a single new token
    decode_ms_per_step: float | None = None  # one decoding step of a whole batch
    preprocess_s_per_frame: float | None = None  # decode + processor on one CPU thread
    largest_batch: int | None = None
    estimated_peak_gib: float | None = None  # bench/memory.py's arithmetic for this batch
    speedup_vs_baseline: float | None = None
    note: str = ""

    @property
    def s_per_frame(self) -> float:
        return self.seconds / self.frames

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds

    def to_json(self) -> dict:
        return {**asdict(self), "s_per_frame": self.s_per_frame, "frames_per_s": self.frames_per_s}


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_gpu_gib: float | None = None
    peak_reserved_gib: float | None = None


@contextmanager
def measured(device: torch.device) -> Iterator[Measurement]:
    """Time the block between two synchronisations; the peak memory counters start fresh."""
    result = Measurement()
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    yield result
    if cuda:
        torch.cuda.synchronize(device)
        result.peak_gpu_gib = torch.cuda.max_memory_allocated(device) / GIB
        result.peak_reserved_gib = torch.cuda.max_memory_reserved(device) / GIB
    result.seconds = time.perf_counter() - started
