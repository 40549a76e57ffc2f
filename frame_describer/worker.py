"""Run one job: fetch and prepare every frame concurrently, describe them on the shared engine.

A `Worker` owns what lives for the whole process: the loaded model, the GPU engine that all
jobs share and the thread pool that fetches and prepares frames. Frames go to the engine as
soon as each is ready, so downloads overlap with generation. A frame that fails on the way
becomes its own `FrameError`; nothing about one frame can fail its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from frame_contract import codes

from .decode import decode_frame
from .engine import DescriptionEngine
from .errors import FrameError
from .frame_types import Description, GenerationOptions, Outcome, PreparedFrame
from .generation import Generator
from .job_input import FrameSource, JobRequest
from .model import LoadedModel, load_model
from .preprocess import prepare_frame
from .settings import Settings
from .sources import FetchLimits, fetch_frame_bytes

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


@dataclass
class JobTimings:
    """Where a job's time went, for its log line."""

    fetch_s: list[float] = field(default_factory=list)
    prepare_s: list[float] = field(default_factory=list)
    first_submit: float | None = None
    last_result: float | None = None

    @property
    def generate_s(self) -> float:
        if self.first_submit is None or self.last_result is None:
            return 0.0
        return self.last_result - self.first_submit


@dataclass
class JobResult:
    """One outcome per input frame, in input order, and the job's timings."""

    outcomes: list[Outcome]
    timings: JobTimings
    started: float

    @property
    def new_tokens(self) -> int:
        return sum(o.new_tokens for o in self.outcomes if isinstance(o, Description))


class Worker:
    """The process-wide model, engine and frame pool; `run_job` serves one job."""

    def __init__(self, settings: Settings, loaded: LoadedModel):
        self.settings = settings
        self.loaded = loaded
        self.engine = DescriptionEngine(
            Generator(loaded), settings.max_batch_size, settings.batch_wait_ms / 1000
        )
        self.frame_pool = ThreadPoolExecutor(settings.fetch_concurrency, thread_name_prefix="frames")
        self.limits = FetchLimits(
            max_bytes=settings.max_frame_bytes,
            deadline_s=settings.fetch_timeout_s,
            retries=settings.fetch_retries,
        )

    @classmethod
    def start(cls, settings: Settings) -> Worker:
        """Load the model for `settings` (raises `ModelLoadError`) and start the engine."""
        return cls(settings, load_model(settings))

    def close(self) -> None:
        """Stop the GPU thread and the frame threads; for tests and the benchmark."""
        self.engine.close()
        self.frame_pool.shutdown(wait=False, cancel_futures=True)

    @property
    def needs_replacement(self) -> bool:
        """True once the GPU failed in a way this process cannot recover from."""
        return self.engine.fatal_error is not None

    async def run_job(self, request: JobRequest, progress: ProgressCallback | None = None) -> JobResult:
        """Describe every frame of `request`; never raises for a frame's sake."""
        result = JobResult(outcomes=[], timings=JobTimings(), started=time.perf_counter())
        options = request.generation
        total = len(request.frames)
        done = 0

        async def one(source: FrameSource) -> Outcome:
            nonlocal done
            outcome = await self._describe_one(source, request.prompt, options, result.timings)
            done += 1
            if progress is not None:
                progress(done, total)
            return outcome

        result.outcomes = list(await asyncio.gather(*(one(s) for s in request.frames)))
        return result

    async def _describe_one(
        self, source: FrameSource, prompt: str, options: GenerationOptions, timings: JobTimings
    ) -> Outcome:
        loop = asyncio.get_running_loop()
        # The ticket is taken here, inside the task whose exit withdraws it: a frame whose task
        # is cancelled before it ever runs then never leaves the engine waiting for it. All of a
        # job's frame tasks start in the same loop turn, before any frame can be ready.
        with self.engine.ticket() as ticket:
            try:
                prepared = await loop.run_in_executor(
                    self.frame_pool, self._fetch_and_prepare, source, prompt, options, timings
                )
            except FrameError as err:
                return err
            except Exception as err:  # a bug must cost one frame, not the job
                log.exception("unexpected failure preparing a frame")
                return FrameError(f"internal error: {type(err).__name__}", codes.INTERNAL_ERROR)
            future = ticket.submit(prepared)
        if timings.first_submit is None:
            timings.first_submit = time.perf_counter()
        outcome = await asyncio.wrap_future(future)
        timings.last_result = time.perf_counter()
        return outcome

    def _fetch_and_prepare(
        self, source: FrameSource, prompt: str, options: GenerationOptions, timings: JobTimings
    ) -> PreparedFrame:
        started = time.perf_counter()
        data = fetch_frame_bytes(source, self.limits)
        fetched = time.perf_counter()
        image = decode_frame(data, self.settings.max_image_pixels)
        prepared = prepare_frame(self.loaded, image, prompt, options)
        timings.fetch_s.append(fetched - started)
        timings.prepare_s.append(time.perf_counter() - fetched)
        return prepared
