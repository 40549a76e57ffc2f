"""Run one job: fetch and prepare every frame concurrently, describe them on the shared engine.

A `Worker` owns what lives for the whole process: the loaded model, the GPU engine that all
jobs share, the threads that download frame URLs and the threads that decode and preprocess
frames. Frames go to the engine as soon as each is ready, so downloads overlap with generation.
A frame that fails on the way becomes its own `FrameError`; nothing about one frame can fail
its neighbours.

Measurements (`request.measure`) run on their own CPU threads (`measure.runner`), one per core:
a frame's text is read first, since its prompt quotes the OCR'd strings (and in fields mode its
grammar allows only them); its colour and exposure are measured while it generates. So one
frame's measuring overlaps other frames' generation.

Fairness: downloads and CPU work have separate threads, so a base64 frame never waits behind a
slow URL. Each job may keep at most `FETCH_CONCURRENCY` downloads in flight, and there are that
many download threads for each of the `MAX_CONCURRENT_JOBS` jobs a worker takes at once, so one
job's dripping URLs cannot hold back the jobs that arrive after it. Decoding runs under a shared
memory budget (`DECODE_MEMORY_MB`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from PIL import Image

from frame_contract import codes
from frame_contract.job_input import FIELDS, OCR_TEXT

from .decode import DecodeBudget, decode_frame
from .engine import DescriptionEngine
from .errors import FrameError, MeasureError, StartupError
from .frame_types import Description, Outcome, PreparedFrame
from .generation import Generator
from .job_input import FrameEntry, JobRequest, ModelCapabilities
from .measure import text_measurements
from .measure.grounding import overlays, prompt_addition
from .measure.runner import Measurer
from .model import LoadedModel, load_model
from .preprocess import check_prompt, prepare_frame, special_tokens
from .settings import Settings
from .sources import FetchLimits, fetch_frame_bytes, is_download

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


@dataclass
class JobTimings:
    """Where a job's time went, for its log line."""

    fetch_s: list[float] = field(default_factory=list)
    prepare_s: list[float] = field(default_factory=list)
    read_text_s: list[float] = field(default_factory=list)  # OCR, for jobs that measure text
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
    """The process-wide model, engine, download and frame threads; `run_job` serves one job.

    `capabilities` tells the job parser what only this model can judge, so that a `JobRequest`
    arrives here resolved and is run as it is.
    """

    def __init__(self, settings: Settings, loaded: LoadedModel):
        self.settings = settings
        self.loaded = loaded
        grammar, fields_unavailable = _fields_support(loaded)
        self.fields_grammar = grammar
        try:
            self.measurer = Measurer(settings.measure)
        except MeasureError as err:
            raise StartupError(f"MEASURE asks for text, but {err}") from None
        self.capabilities = ModelCapabilities(
            family=loaded.family.name,
            fixed_detail=loaded.image_detail if loaded.family.detail_at_load else None,
            fields_min_new_tokens=None if grammar is None else grammar.minimum_new_tokens,
            fields_unavailable=fields_unavailable or "",
            check_prompt=functools.partial(check_prompt, loaded),
        )
        self.engine = DescriptionEngine(
            Generator(loaded, grammar), settings.max_batch_size, settings.batch_wait_ms / 1000
        )
        self.download_share = settings.fetch_concurrency  # one job's downloads in flight
        downloads = settings.fetch_concurrency * settings.max_concurrent_jobs
        self.download_pool = ThreadPoolExecutor(downloads, thread_name_prefix="downloads")
        self.frame_pool = ThreadPoolExecutor(settings.fetch_concurrency, thread_name_prefix="frames")
        self.decode_budget = DecodeBudget(settings.decode_memory_mb * 1024 * 1024)
        self.limits = FetchLimits(
            max_bytes=settings.max_frame_bytes,
            deadline_s=settings.fetch_timeout_s,
            retries=settings.fetch_retries,
        )
        # OCR'd text is frame content: a model's special token in it must not reach the prompt.
        self.special_tokens = special_tokens(loaded)

    @classmethod
    def start(cls, settings: Settings) -> Worker:
        """Load the model for `settings` (raises `ModelLoadError`) and start the engine."""
        return cls(settings, load_model(settings))

    def close(self) -> None:
        """Stop the GPU thread and the frame threads; for tests and the benchmark."""
        self.engine.close()
        self.download_pool.shutdown(wait=False, cancel_futures=True)
        self.frame_pool.shutdown(wait=False, cancel_futures=True)
        self.measurer.close()

    @property
    def needs_replacement(self) -> bool:
        """True once the GPU failed in a way this process cannot recover from."""
        return self.engine.fatal_error is not None

    async def run_job(self, request: JobRequest, progress: ProgressCallback | None = None) -> JobResult:
        """Describe every frame of `request` as it says; never raises for a frame's sake."""
        result = JobResult(outcomes=[], timings=JobTimings(), started=time.perf_counter())
        total = len(request.frames)
        done = 0
        downloads = asyncio.Semaphore(self.download_share)  # this job's share of the downloads

        async def one(source: FrameEntry) -> Outcome:
            nonlocal done
            outcome = await self._describe_one(source, request, downloads, result.timings)
            done += 1
            if progress is not None:
                progress(done, total)
            return outcome

        result.outcomes = list(await asyncio.gather(*(one(s) for s in request.frames)))
        return result

    async def _describe_one(
        self, source: FrameEntry, request: JobRequest, downloads: asyncio.Semaphore, timings: JobTimings
    ) -> Outcome:
        loop = asyncio.get_running_loop()
        # The ticket is taken here, inside the task whose exit withdraws it: a frame whose task
        # is cancelled before it ever runs then never leaves the engine waiting for it. All of a
        # job's frame tasks start in the same loop turn, before any frame can be ready.
        pixels: asyncio.Future | None = None  # colour and exposure, measured while it generates
        with self.engine.ticket() as ticket:
            try:
                started = time.perf_counter()
                if is_download(source):
                    async with downloads:
                        data = await loop.run_in_executor(self.download_pool, self._fetch, source)
                else:
                    data = await loop.run_in_executor(self.frame_pool, self._fetch, source)
                fetched = time.perf_counter()
                timings.fetch_s.append(fetched - started)
                image = await loop.run_in_executor(self.frame_pool, self._decode, data)
                measured = {}
                if request.reads_text:
                    decoded = time.perf_counter()
                    reading = await loop.run_in_executor(self.measurer.pool, self.measurer.read_text, image)
                    timings.read_text_s.append(time.perf_counter() - decoded)
                    measured = text_measurements(reading)
                if set(request.measure) - {OCR_TEXT}:
                    pixels = loop.run_in_executor(
                        self.measurer.pool, self.measurer.measure_pixels, image, request.measure
                    )
                preparing = time.perf_counter()
                prepared = await loop.run_in_executor(
                    self.frame_pool, self._prepare, image, request, measured.get(OCR_TEXT)
                )
                timings.prepare_s.append(time.perf_counter() - preparing)
            except Exception as err:
                if pixels is not None:
                    pixels.cancel()
                return _frame_error(err, "preparing")
            future = ticket.submit(prepared)
        if timings.first_submit is None:
            timings.first_submit = time.perf_counter()
        outcome = await asyncio.wrap_future(future)
        timings.last_result = time.perf_counter()
        if not request.measure or not isinstance(outcome, Description):
            if pixels is not None:
                pixels.cancel()
            return outcome
        try:
            measured |= await pixels if pixels is not None else {}
        except Exception as err:
            return _frame_error(err, "measuring")
        return replace(outcome, measurements=measured)

    def _fetch(self, source: FrameEntry) -> bytes:
        return fetch_frame_bytes(source, self.limits)

    def _decode(self, data: bytes) -> Image.Image:
        return decode_frame(data, self.settings.max_image_pixels, self.decode_budget)

    def _prepare(self, image: Image.Image, request: JobRequest, lines: list[dict] | None) -> PreparedFrame:
        """The frame's model inputs; with its text read (`lines`), its prompt quotes the lines
        and, in fields mode, its grammar allows only them as text overlays."""
        prompt, grammar = request.prompt, None
        if lines is not None:
            prompt = f"{prompt}\n\n{self._defused(prompt_addition(lines))}"
            if request.output == FIELDS:
                grammar = self._frame_grammar(lines)
        return prepare_frame(self.loaded, image, prompt, request.generation, request.detail, grammar)

    def _defused(self, text: str) -> str:
        """`text` without the model's special tokens (an `<image>` read off a frame, say)."""
        for token in self.special_tokens:
            text = text.replace(token, "")
        return text

    def _frame_grammar(self, lines: list[dict]):
        try:
            return self.fields_grammar.for_frame(overlays(lines))
        except Exception as err:  # llguidance refusing a string read off the frame
            raise MeasureError(
                f"the frame's text cannot be made its fields grammar ({type(err).__name__})"
            ) from err


def _frame_error(err: Exception, doing: str) -> FrameError:
    """A frame's own failure as its outcome: a typed one as it is, a bug as `internal_error`
    (logged with its traceback), never the job's."""
    if isinstance(err, FrameError):
        return err
    log.error("unexpected failure %s a frame", doing, exc_info=err)
    return FrameError(f"internal error: {type(err).__name__}", codes.INTERNAL_ERROR)


def _fields_support(loaded: LoadedModel) -> tuple[object | None, str | None]:
    """The fields grammar compiled for this tokenizer, once; or None and why it cannot be."""
    try:
        from .constrained import compile_fields_grammar

        eos = loaded.model.generation_config.eos_token_id
        return compile_fields_grammar(loaded.processor.tokenizer, eos), None
    except Exception as err:  # a tokenizer llguidance cannot read: text output still works
        log.warning("fields output is not available with this model: %s", err)
        return None, f"{type(err).__name__}: {err}".splitlines()[0][:200]
