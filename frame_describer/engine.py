"""One GPU thread that merges frames from every job in flight into shared batches.

Jobs submit prepared frames as they become ready and get a `Future` per frame. The thread
takes the oldest waiting frame and the waiting frames nearest to it in length (so batches
carry little padding), up to the batch size. While frames that jobs announced are still
being fetched, it waits for them rather than start a half-empty batch: as long as they keep
arriving within `batch_wait_s` of each other, and never more than `MAX_WAIT_GAPS` such gaps
after the oldest waiting frame arrived.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from .batching import BatchGenerator, Outcome, PreparedFrame
from .errors import FatalDeviceError, GenerationError

log = logging.getLogger(__name__)

# A steady trickle of arrivals must not hold the oldest frame forever: it waits at most this
# many arrival gaps (500 ms with the default 50 ms gap).
MAX_WAIT_GAPS = 10


@dataclass
class _Waiting:
    frame: PreparedFrame
    future: Future
    arrived: float = field(default_factory=time.monotonic)


@dataclass
class EngineStats:
    """Totals since start, for logs and the benchmark."""

    batches: int = 0
    frames: int = 0
    new_tokens: int = 0
    generate_s: float = 0.0
    largest_batch: int = 0


class DescriptionEngine:
    """Schedules prepared frames onto the GPU in batches of at most `max_batch_size`."""

    def __init__(self, generator: BatchGenerator, max_batch_size: int, batch_wait_s: float):
        self.generator = generator
        self.max_batch_size = max_batch_size
        self.batch_wait_s = batch_wait_s
        self.stats = EngineStats()
        self.fatal_error: FatalDeviceError | None = None
        self._waiting: list[_Waiting] = []
        self._announced = 0  # frames that jobs said are coming but have not submitted yet
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="gpu-batches", daemon=True)
        self._thread.start()

    def announce(self, count: int) -> None:
        """Say that `count` frames are being prepared; each later `submit` or `withdraw` one."""
        with self._cond:
            self._announced += count

    @property
    def announced(self) -> int:
        """Frames announced and still being prepared: what a half-full batch may wait for."""
        with self._cond:
            return self._announced

    def withdraw(self) -> None:
        """An announced frame will not come (it failed before reaching the model)."""
        with self._cond:
            self._announced = max(0, self._announced - 1)
            self._cond.notify_all()

    def submit(self, frame: PreparedFrame, announced: bool = False) -> Future:
        """Queue `frame`; the future resolves to its `Description` or `FrameError`."""
        future: Future = Future()
        with self._cond:
            if announced:
                self._announced = max(0, self._announced - 1)
            if self.fatal_error is not None:
                future.set_result(GenerationError(str(self.fatal_error)))
            else:
                self._waiting.append(_Waiting(frame, future))
            self._cond.notify_all()
        return future

    def describe(self, frames: list[PreparedFrame]) -> list[Outcome]:
        """Describe `frames` and wait: the synchronous form, for scripts and the benchmark."""
        # Announced first, so the GPU thread does not start on the first frame alone.
        self.announce(len(frames))
        futures = [self.submit(frame, announced=True) for frame in frames]
        return [future.result() for future in futures]

    def _serve(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                started = time.perf_counter()
                outcomes = self.generator.run([w.frame for w in batch])
                self._record(batch, outcomes, time.perf_counter() - started)
            except FatalDeviceError as err:
                log.critical("GPU is unusable, failing all waiting frames: %s", err)
                self._fail_everything(batch, err)
                continue
            except BaseException as err:  # never let the GPU thread die with futures unset
                log.exception("unexpected failure in a batch")
                outcomes = [GenerationError(f"internal error: {type(err).__name__}")] * len(batch)
            for waiting, outcome in zip(batch, outcomes, strict=True):
                waiting.future.set_result(outcome)

    def _next_batch(self) -> list[_Waiting]:
        with self._cond:
            while not self._waiting:
                self._cond.wait()
            give_up_at = self._waiting[0].arrived + MAX_WAIT_GAPS * self.batch_wait_s
            while len(self._waiting) < self.max_batch_size and self._announced > 0:
                wait_until = min(give_up_at, self._waiting[-1].arrived + self.batch_wait_s)
                left = wait_until - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(timeout=left)
            return self._take_batch()

    def _take_batch(self) -> list[_Waiting]:
        oldest = self._waiting[0]
        target = oldest.frame.sequence_length
        compatible = [w for w in self._waiting if w.frame.options == oldest.frame.options]
        # Nearest in length first, then oldest first, so padding stays small and no frame starves.
        compatible.sort(key=lambda w: (abs(w.frame.sequence_length - target), w.arrived))
        batch = compatible[: self.max_batch_size]
        chosen = {id(w) for w in batch}
        self._waiting = [w for w in self._waiting if id(w) not in chosen]
        return batch

    def _record(self, batch: list[_Waiting], outcomes: list[Outcome], seconds: float) -> None:
        stats = self.stats
        stats.batches += 1
        stats.frames += len(batch)
        stats.generate_s += seconds
        stats.largest_batch = max(stats.largest_batch, len(batch))
        stats.new_tokens += sum(getattr(o, "new_tokens", 0) for o in outcomes)
        log.debug("batch of %d frames in %.2f s", len(batch), seconds)

    def _fail_everything(self, batch: list[_Waiting], err: FatalDeviceError) -> None:
        with self._cond:
            self.fatal_error = err
            doomed, self._waiting = batch + self._waiting, []
        # `err.described` is a prefix of `batch`: those frames keep what the model produced.
        for index, waiting in enumerate(doomed):
            done = index < len(err.described)
            waiting.future.set_result(err.described[index] if done else GenerationError(str(err)))
