"""A rolling pool of jobs: `concurrency` jobs in flight, the next one starts as soon as one ends.

Not waves: a slow job holds only its own slot while the other slots keep taking jobs. When a
job ends, each of its frames that failed for a transient reason is queued again as a job of
its own (once); every other frame is final and handed to `on_result`. The main thread owns
all bookkeeping; pool threads only run jobs.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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

    An exception from `run_job` (only `EndpointError` is expected) stops the pool: no new job
    starts, `abort` cuts short the waits of the jobs in flight, and the exception propagates
    once they have ended.
    """
    queue = deque(jobs)
    stats = PoolStats()
    in_flight: dict[Future, Job] = {}
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="frame-jobs") as executor:
        try:
            while queue or in_flight:
                while queue and len(in_flight) < concurrency:
                    job = queue.popleft()
                    in_flight[executor.submit(run_job, job)] = job
                stats.most_in_flight = max(stats.most_in_flight, len(in_flight))
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    job = in_flight.pop(future)
                    outcome = future.result()
                    stats.jobs += 1
                    stats.job_attempts += outcome.attempts
                    for retry in _settle(job, outcome, on_result, retry_alone):
                        stats.solo_retries += 1
                        queue.append(retry)
        except BaseException:
            queue.clear()
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
