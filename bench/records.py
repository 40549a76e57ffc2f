"""What one benchmark run measured, and why a run was not measured."""

from __future__ import annotations

from dataclasses import asdict, dataclass

MODES = ("baseline", "batched", "jobs_sequential", "jobs_concurrent")


@dataclass
class RunRecord:
    """One mode at one batch size: `frames` frames described in `seconds`."""

    mode: str
    batch_size: int
    frames: int
    seconds: float
    peak_gpu_gib: float | None
    image_tokens_per_frame: int
    text_tokens_per_frame: int
    new_tokens_per_frame: float  # what the model produced, counted from its output
    batches: int  # generate calls
    failed: int = 0  # frames that came back as errors (their time still counts)
    prefill_s_per_frame: float | None = None  # from one generate with a single new token
    decode_ms_per_step: float | None = None  # one decoding step of a whole batch
    prepare_s_per_frame: float | None = None  # CPU preprocessing, when done outside the timing
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
        record = asdict(self)
        record["s_per_frame"] = self.s_per_frame
        record["frames_per_s"] = self.frames_per_s
        return record


@dataclass
class Skipped:
    """A run that was planned but not measured (out of memory, an error)."""

    mode: str
    batch_size: int
    reason: str


class OutOfMemory(RuntimeError):
    """A run hit CUDA out-of-memory: larger batch sizes are not tried."""
