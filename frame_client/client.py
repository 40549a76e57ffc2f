"""`describe_frames`: every frame of a video through the endpoint, each result on its own frame.

Wires the parts together: resolve the endpoint, load and deduplicate the frames, take those the
resume file already describes, split the others into jobs, run them in the rolling pool, and fan
each result out to every input position that holds the same frame (and to the resume file).
Results come back in input order, one per input, also when the run is cut short.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence

from frame_contract.codes import FRAME_TOO_LARGE_TO_SEND, FRAME_UNREADABLE
from frame_contract.policy import POLICY

from .failures import ConfigError, EndpointError, RunInterrupted
from .frames import Frame, FrameInput, FrameLoadError, load_frame
from .jobs import JobAsk, measure_kinds, plan_jobs
from .options import ClientOptions
from .pool import run_pool
from .results import INTERRUPTED, FrameResult, aborted
from .resume import ResumeFile
from .runner import JobRunner
from .transport import Endpoint, resolve_endpoint

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = POLICY.batch_size
DEFAULT_CONCURRENCY = POLICY.concurrency


def describe_frames(
    frames: Iterable[FrameInput],
    *,
    endpoint_url: str | None = None,
    api_key: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    prompt: str | None = None,
    max_new_tokens: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    options: ClientOptions | None = None,
    resume: str | os.PathLike | None = None,
    output: str = "text",
    measure: bool | Sequence[str] | None = None,
) -> list[FrameResult]:
    """Describe `frames` (paths, bytes, PIL images, http(s) URLs); one `FrameResult` per frame, in order.

    `endpoint_url` defaults to `https://api.runpod.ai/v2/$RUNPOD_VISION_ENDPOINT_ID` and
    `api_key` to `$RUNPOD_API_KEY` (not needed on 127.0.0.1/localhost). `batch_size` frames go
    in one job (the worker takes at most its MAX_FRAMES_PER_JOB, 64 by default), `concurrency`
    jobs are in flight at once. `prompt` and `max_new_tokens` replace the worker's defaults;
    `output="fields"` asks for one JSON object per frame as well (`FrameResult.fields`).
    `measure=True` (or a list of "text", "colour", "exposure") asks the worker to measure each
    frame as well (`FrameResult.measurements`, only the kinds asked; docs/measurements.md).
    `on_progress(n)` is called from this thread as each `n` more frames get their final result.
    `options` holds retries and timeouts (`ClientOptions`: `outage_s`, `job_timeout_s`, ...).

    `resume` names a JSON-lines file (`resume.py`) to which every frame is appended as it
    settles; frames it already settles (described, or failed with a code no retry can change)
    are not sent again, so a run that was killed, interrupted or cut short by an outage
    continues where it stopped.

    A frame that cannot be described gets `FrameResult(error=..., code=...)`; that never fails
    the call, and no answer of the endpoint, however malformed, makes it raise. It raises only:
    `ConfigError` before any request (no endpoint or key, an argument out of range, an unusable
    resume file); `EndpointError` when the endpoint refuses the run (bad key, no such endpoint);
    and `RunInterrupted`, a `KeyboardInterrupt`, on Ctrl-C. The last two carry `results`: every
    frame settled so far, the others failed with the code `run_aborted`. An unexpected error in
    the client itself stops the run the same way, but returns those results instead of raising.
    """
    try:
        kinds = measure_kinds(measure)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    ask = JobAsk(prompt, max_new_tokens, output, kinds)
    _check_arguments(batch_size, concurrency, ask)
    options = options or ClientOptions()
    endpoint = Endpoint(resolve_endpoint(endpoint_url, api_key), options)
    items = list(frames)
    journal = ResumeFile(resume, ask) if resume is not None else None
    ledger = _Ledger(len(items), journal, on_progress)
    started = time.perf_counter()
    try:
        unique = ledger.load(items)
        to_send = ledger.take_settled(unique)
        plan = plan_jobs(to_send, batch_size, options.max_payload_bytes, ask)
        for frame, reason in plan.too_large:
            ledger.settle(frame, FrameResult(error=reason, code=FRAME_TOO_LARGE_TO_SEND))
        stats = run_pool(
            plan.jobs,
            JobRunner(endpoint, options, ask).run,
            concurrency,
            ledger.settle,
            retry_alone=options.retry_frames_alone,
            abort=endpoint.stop,
        )
    except EndpointError as err:
        err.results = ledger.aborted(str(err))
        raise
    except KeyboardInterrupt:
        log.warning("interrupted: %d of %d frames have their result", ledger.settled, len(items))
        raise RunInterrupted(ledger.aborted(INTERRUPTED)) from None
    except Exception as err:  # a bug in the client or in a callback: keep what is settled
        log.error("the run stopped on an unexpected error: %s: %s", type(err).__name__, err)
        log.info("where it happened:", exc_info=True)  # the traceback, for -v
        return ledger.aborted(f"the run stopped on a client error: {type(err).__name__}: {err}")
    finally:
        endpoint.stop()
        if journal is not None:
            journal.close()
    results = ledger.results
    failed = sum(1 for r in results if not r.ok)
    log.info(
        "%d frames (%d unique, %d settled by the resume file) in %d jobs (%d attempts, %d frames "
        "retried alone): %d described, %d failed, %.1f s",
        len(items),
        len(unique),
        len(unique) - len(to_send),
        stats.jobs,
        stats.job_attempts,
        stats.solo_retries,
        len(items) - failed,
        failed,
        time.perf_counter() - started,
    )
    return results


class _Ledger:
    """Each input position's result as it settles, fanned out over identical frames and journaled."""

    def __init__(
        self, count: int, journal: ResumeFile | None, on_progress: Callable[[int], None] | None
    ) -> None:
        self.results: list[FrameResult | None] = [None] * count
        self.journal = journal
        self.on_progress = on_progress
        self.positions: dict[str, list[int]] = {}

    def load(self, items: Sequence[FrameInput]) -> list[Frame]:
        """The unique frames in input order; a frame that cannot be read settles failed at once."""
        unique: list[Frame] = []
        for index, item in enumerate(items):
            try:
                frame = load_frame(item)
            except FrameLoadError as err:
                self.results[index] = FrameResult(error=str(err), code=FRAME_UNREADABLE)
                self._progress(1)
                continue
            if frame.key not in self.positions:
                self.positions[frame.key] = []
                unique.append(frame)
            self.positions[frame.key].append(index)
        return unique

    def take_settled(self, unique: list[Frame]) -> list[Frame]:
        """Settle the frames the resume file already settles; return the others, to send."""
        done = self.journal.done if self.journal is not None else {}
        for frame in unique:
            if frame.key in done:
                self.settle(frame, done[frame.key], record=False)
        return [frame for frame in unique if frame.key not in done]

    def settle(self, frame: Frame, result: FrameResult, record: bool = True) -> None:
        if record and self.journal is not None:
            self.journal.record(frame.key, result)
        for index in self.positions[frame.key]:
            self.results[index] = result
        self._progress(len(self.positions[frame.key]))

    @property
    def settled(self) -> int:
        return sum(1 for result in self.results if result is not None)

    def aborted(self, reason: str) -> list[FrameResult]:
        """The results with every frame not yet settled failed with `reason` and `run_aborted`."""
        return aborted(self.results, reason)

    def _progress(self, count: int) -> None:
        if self.on_progress is not None:
            self.on_progress(count)


def _check_arguments(batch_size: int, concurrency: int, ask: JobAsk) -> None:
    for name, value in (("batch_size", batch_size), ("concurrency", concurrency)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a whole number of at least 1, not {value!r}.")
    prompt, max_new_tokens = ask.prompt, ask.max_new_tokens
    if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
        raise ConfigError("prompt must be a non-empty string.")
    if ask.output not in ("text", "fields"):
        raise ConfigError(f"output must be 'text' or 'fields', not {ask.output!r}.")
    if max_new_tokens is not None and (
        isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1
    ):
        raise ConfigError(f"max_new_tokens must be a whole number of at least 1, not {max_new_tokens!r}.")
