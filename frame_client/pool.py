"""A rolling pool of jobs: `concurrency` jobs in flight, the next one starts as soon as one ends.

Not waves: a slow job holds only its own slot while the other slots keep taking jobs. When a
job ends, each of its frames that failed for a transient reason is queued again as a job of
its own (once); every other frame is final and handed to `on_result`. The main thread owns
all bookkeeping; pool threads only run jobs.

Each job runs on a daemon thread of its own, so an aborted run returns at once: the jobs still
in flight are abandoned (their waits cut short by `abort`) and cannot hold the process open.
"""

from __future__ import annotations

import logging
import queue as queues
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .frames import Frame
from .jobs import Job
from .results import FrameResult
from .runner import JobOutcome

log = logging.getLogger(__name__)


@dataclass
class PoolStats:
    """What the pool did, for the summary log line and for tests."""

    jobs: int = 0
    job_attempts: int = 0
    solo_retries: int = 0
    most_in_flight: int = 0


def run_pool(
    jobs: Iterable[Job],
    run_job: Callable[[Job], JobOutcome],
    concurrency: int,
    on_result: Callable[[Frame, FrameResult], None],
    retry_alone: bool = True,
    abort: Callable[[], None] | None = None,
) -> PoolStats:
    """Run every job with at most `concurrency` in flight; `on_result` gets each frame's final result.

    Any exception — from `run_job` (only `EndpointError` is expected), from `on_result`, or a
    `KeyboardInterrupt` — stops the pool at once: no new job starts, `abort` cuts short the
    waits of the jobs in flight, and the exception propagates without waiting for them.
    """
    pending = deque(jobs)
    stats = PoolStats()
    finished: queues.Queue[tuple[Job, JobOutcome | None, BaseException | None]] = queues.Queue()
    in_flight = 0

    def work(job: Job) -> None:
        try:
            finished.put((job, run_job(job), None))
        except BaseException as err:  # handed to the main thread, which decides
            finished.put((job, None, err))

    try:
        while pending or in_flight:
            while pending and in_flight < concurrency:
                job = pending.popleft()
                threading.Thread(target=work, args=(job,), name="frame-job", daemon=True).start()
                in_flight += 1
            stats.most_in_flight = max(stats.most_in_flight, in_flight)
            job, outcome, error = finished.get()
            in_flight -= 1
            if error is not None:
                raise error
            stats.jobs += 1
            stats.job_attempts += outcome.attempts
            for retry in _settle(job, outcome, on_result, retry_alone):
                stats.solo_retries += 1
                pending.append(retry)
    except BaseException:
        pending.clear()
        if abort is not None:
            abort()
        raise
    return stats


def _settle(
    job: Job, outcome: JobOutcome, on_result: Callable[[Frame, FrameResult], None], retry_alone: bool
) -> list[Job]:
    """Hand over each frame's final result; return the solo jobs for frames worth another try."""
    retries = []
    for frame, result, may_recover in zip(job.frames, outcome.results, outcome.retry_alone, strict=True):
        if retry_alone and may_recover and not job.solo_retry:
            log.info("frame %s failed (%s); sending it again alone", frame.key[:20], result.error)
            retries.append(Job(kind=job.kind, frames=(frame,), solo_retry=True))
        else:
            on_result(frame, result)
    return retries
