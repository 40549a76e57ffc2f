"""Everything the runs share: the loaded model, the frames, the forced output length."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import torch

from frame_describer.batching import GenerationOptions, PreparedFrame, prepare_frame
from frame_describer.decode import decode_frame
from frame_describer.model import LoadedModel

log = logging.getLogger(__name__)


@dataclass
class BenchContext:
    """The model, `frames` JPEG stills (enough for the largest run) and how to generate."""

    loaded: LoadedModel
    prompt: str
    new_tokens: int
    frames: list[bytes]
    static_cache: bool = False
    batch_wait_s: float = 0.05  # the worker's BATCH_WAIT_MS
    frame_workers: int = 16  # the worker's FETCH_CONCURRENCY: threads that prepare frames
    max_image_pixels: int = 40_000_000
    _prepared: list[PreparedFrame] = field(default_factory=list, repr=False)
    prepare_s_per_frame: float | None = None

    @property
    def device(self) -> torch.device:
        return self.loaded.device

    @property
    def options(self) -> GenerationOptions:
        # Random weights stop at arbitrary points: forcing the length keeps runs comparable.
        return GenerationOptions(max_new_tokens=self.new_tokens, min_new_tokens=self.new_tokens)

    def prepared(self, count: int) -> list[PreparedFrame]:
        """The first `count` frames, decoded and preprocessed once on this thread (first call timed)."""
        done = self._prepared
        if len(done) < count:
            todo = self.frames[len(done) : count]
            started = time.perf_counter()
            done.extend(self.prepare(data) for data in todo)
            if self.prepare_s_per_frame is None:
                self.prepare_s_per_frame = (time.perf_counter() - started) / len(todo)
                log.info("preprocessing takes %.3f s per frame on one thread", self.prepare_s_per_frame)
        return done[:count]

    def prepare(self, data: bytes) -> PreparedFrame:
        """One JPEG frame decoded and preprocessed exactly as the worker does it."""
        return prepare_frame(
            self.loaded, decode_frame(data, self.max_image_pixels), self.prompt, self.options
        )

    def text_tokens(self, frame: PreparedFrame) -> int:
        return frame.sequence_length - frame.image_tokens
