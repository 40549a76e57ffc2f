"""The engine: one GPU thread that forms batches from the frames of every job in flight.

A job takes a `Ticket` for each frame it will hand over, before the frame is fetched, so the
engine knows frames are coming. The thread takes the oldest waiting frame and the waiting frames
nearest to it in length (so batches carry little padding), up to the batch size. While ticketed
frames are still on their way, it waits for them rather than start a half-empty batch: as long
as they keep arriving within `batch_wait_s` of each other, and never more than `MAX_WAIT_GAPS`
such gaps after the oldest waiting frame arrived.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from frame_contract import codes

from .errors import FatalDeviceError, GenerationError
from .frame_types import Outcome, PreparedFrame
from .generation import Generated, Generator

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
    """What the engine has done since it started; the benchmark reads it."""

    batches: int = 0
    largest_batch: int = 0


class Ticket:
    """One frame a job will hand to the engine: `submit` it once, or let it go unsubmitted.

    Used as a context manager, a ticket that leaves its block unsubmitted (the frame failed
    before reaching the model, or its task was cancelled) is withdrawn, so the engine stops
    waiting for it. `withdraw` is idempotent; nothing else needs pairing by hand.
    """

    def __init__(self, engine: DescriptionEngine):
        self._engine = engine
        self._open = True

    def submit(self, frame: PreparedFrame) -> Future:
        """Queue `frame`; the future resolves to its `Description` or `FrameError`."""
        if not self._open:
            raise RuntimeError("a ticket submits one frame, once")
        self._open = False
        return self._engine._submit(frame, ticketed=True)

    def withdraw(self) -> None:
        """The frame will not come; a no-op once it was submitted or withdrawn."""
        if self._open:
            self._open = False
            self._engine._withdraw()

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc_info) -> None:
        self.withdraw()


class DescriptionEngine:
    """Schedules prepared frames onto the GPU in batches of at most `max_batch_size`."""

    def __init__(self, generator: Generator, max_batch_size: int, batch_wait_s: float):
        self.generator = generator
        self.max_batch_size = max_batch_size
        self.batch_wait_s = batch_wait_s
        self.stats = EngineStats()
        self.fatal_error: FatalDeviceError | None = None
        self._waiting: list[_Waiting] = []
        self._expected = 0  # ticketed frames not yet submitted or withdrawn
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="gpu-batches", daemon=True)
        self._thread.start()

    def ticket(self) -> Ticket:
        """A ticket for one frame that is on its way; take it before fetching the frame."""
        with self._cond:
            self._expected += 1
        return Ticket(self)

    @property
    def expected(self) -> int:
        """Frames ticketed and still on their way: what a half-full batch may wait for."""
        with self._cond:
            return self._expected

    def describe(self, frames: list[PreparedFrame]) -> list[Outcome]:
        """Describe `frames` and wait: the synchronous form, for scripts and the benchmark."""
        # Every ticket first, so the GPU thread does not start on the first frame alone.
        tickets = [self.ticket() for _ in frames]
        futures = [ticket.submit(frame) for ticket, frame in zip(tickets, frames, strict=True)]
        return [future.result() for future in futures]

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop the GPU thread once the batch in hand is done; frames still waiting fail."""
        with self._cond:
            self._closed = True
            left, self._waiting = self._waiting, []
            self._cond.notify_all()
        for waiting in left:
            waiting.future.set_result(GenerationError("the worker is shutting down", codes.INTERNAL_ERROR))
        self._thread.join(timeout_s)

    def submit(self, frame: PreparedFrame) -> Future:
        """Queue a frame nobody holds a ticket for; the future resolves to its outcome."""
        return self._submit(frame, ticketed=False)

    def _submit(self, frame: PreparedFrame, ticketed: bool) -> Future:
        future: Future = Future()
        with self._cond:
            if ticketed:
                self._expected -= 1
            if self.fatal_error is not None:
                future.set_result(GenerationError(str(self.fatal_error), codes.GPU_FAILURE))
            elif self._closed:
                future.set_result(GenerationError("the worker is shutting down", codes.INTERNAL_ERROR))
            else:
                self._waiting.append(_Waiting(frame, future))
            self._cond.notify_all()
        return future

    def _withdraw(self) -> None:
        with self._cond:
            self._expected -= 1
            self._cond.notify_all()

    def _serve(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                generated = self.generator.run([w.frame for w in batch])
            except BaseException as err:  # never let the GPU thread die with futures unset
                log.exception("unexpected failure in a batch")
                error = GenerationError(f"internal error: {type(err).__name__}", codes.INTERNAL_ERROR)
                generated = Generated([error] * len(batch))
            if generated.fatal is not None:
                self._fail_everything(batch, generated.outcomes, generated.fatal)
                continue
            self.stats.batches += 1
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
            for waiting, outcome in zip(batch, generated.outcomes, strict=True):
                waiting.future.set_result(outcome)

    def _next_batch(self) -> list[_Waiting] | None:
        with self._cond:
            while not self._waiting and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            give_up_at = self._waiting[0].arrived + MAX_WAIT_GAPS * self.batch_wait_s
            while len(self._waiting) < self.max_batch_size and self._expected > 0 and not self._closed:
                wait_until = min(give_up_at, self._waiting[-1].arrived + self.batch_wait_s)
                left = wait_until - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(timeout=left)
            return self._take_batch() if self._waiting else None

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

    def _fail_everything(
        self, batch: list[_Waiting], described: list[Outcome], err: FatalDeviceError
    ) -> None:
        log.critical("GPU is unusable, failing all waiting frames: %s", err)
        with self._cond:
            self.fatal_error = err
            doomed, self._waiting = batch + self._waiting, []
        # `described` is a prefix of `batch`: those frames keep what the model produced.
        for index, waiting in enumerate(doomed):
            done = index < len(described)
            outcome = described[index] if done else GenerationError(str(err), codes.GPU_FAILURE)
            waiting.future.set_result(outcome)
