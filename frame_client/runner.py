"""Run one job to its end: submit, poll until a final status, check the output, retry if it failed.

The outcome always holds one `FrameResult` per frame of the job, with a flag per frame that
says whether sending that frame again alone may help (see `failures.py`). A job that fails on
every attempt marks only its own frames failed. Only `EndpointError` escapes: the endpoint
refuses everything and the run must stop.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from frame_contract.output import OutputError, read_output

from .failures import is_transient_frame_reason, is_transient_job_error
from .frames import FrameLoadError
from .jobs import Job, job_input
from .options import ClientOptions
from .results import FrameResult
from .transport import Endpoint, RequestFailed

log = logging.getLogger(__name__)

_WAITING = frozenset({"IN_QUEUE", "IN_PROGRESS"})


@dataclass(frozen=True)
class JobOutcome:
    """One result per frame of the job, and which failed frames may succeed alone."""

    results: list[FrameResult]
    retry_alone: list[bool]
    attempts: int


@dataclass(frozen=True)
class _Failure:
    """Why one attempt of a job ended without output."""

    reason: str
    run_again: bool  # another attempt of the same job may succeed
    frames_may_recover: bool  # the worker failed on these frames: try each alone


class JobRunner:
    """Runs jobs against one endpoint with one prompt; `run` is called from pool threads."""

    def __init__(
        self,
        endpoint: Endpoint,
        options: ClientOptions,
        prompt: str | None = None,
        max_new_tokens: int | None = None,
    ):
        self.endpoint = endpoint
        self.options = options
        self.prompt = prompt
        self.max_new_tokens = max_new_tokens

    def run(self, job: Job) -> JobOutcome:
        """Run `job`, again after a failure up to `job_retries` times; never raises for a frame."""
        count = len(job.frames)
        try:
            body = job_input(
                job.kind, [f.payload_entry() for f in job.frames], self.prompt, self.max_new_tokens
            )
        except FrameLoadError as err:  # a local file vanished since it was hashed
            return self._failed(job, _Failure(str(err), run_again=False, frames_may_recover=False), 0)
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(body, count)
            if isinstance(outcome, JobOutcome):
                return JobOutcome(outcome.results, outcome.retry_alone, attempt)
            if not outcome.run_again or attempt > self.options.job_retries or self.endpoint.stopped:
                log.warning("job of %d frames failed after %d attempt(s): %s", count, attempt, outcome.reason)
                return self._failed(job, outcome, attempt)
            log.info("job of %d frames failed (%s); running it again", count, outcome.reason)
            if not self.endpoint.wait(self.options.job_retry_delay_s):
                return self._failed(job, outcome, attempt)

    def _failed(self, job: Job, failure: _Failure, attempts: int) -> JobOutcome:
        count = len(job.frames)
        return JobOutcome(
            results=[FrameResult(error=failure.reason)] * count,
            retry_alone=[failure.frames_may_recover] * count,
            attempts=attempts,
        )

    def _attempt(self, body: dict, count: int) -> JobOutcome | _Failure:
        try:
            job_id = self.endpoint.submit(body)
        except RequestFailed as err:
            return _Failure(err.reason, run_again=err.transient, frames_may_recover=False)
        deadline = time.monotonic() + self.options.job_timeout_s
        while True:
            left = deadline - time.monotonic()
            try:
                status = self.endpoint.status(job_id, read_timeout_s=max(left, 1.0))
            except RequestFailed as err:
                return _Failure(err.reason, run_again=err.transient, frames_may_recover=False)
            state = status.get("status")
            if state == "COMPLETED":
                return _read_output(status.get("output"), count)
            if state == "FAILED":
                error = _job_error(status.get("error"))
                transient = is_transient_job_error(error)
                return _Failure(f"job failed: {error}", run_again=transient, frames_may_recover=transient)
            if state == "TIMED_OUT":
                return _Failure("job timed out on the endpoint", run_again=True, frames_may_recover=True)
            if state == "CANCELLED":
                return _Failure(
                    "job was cancelled on the endpoint", run_again=False, frames_may_recover=False
                )
            if state not in _WAITING:
                log.debug("job %s has status %r; still waiting", job_id, state)
            if time.monotonic() + self.options.poll_interval_s > deadline:
                self.endpoint.cancel(job_id)
                if state == "IN_QUEUE":  # never started: no worker free, not the frames' fault
                    reason = f"job still queued after {self.options.job_timeout_s:.0f} s"
                    return _Failure(reason, run_again=True, frames_may_recover=False)
                reason = f"job did not finish within {self.options.job_timeout_s:.0f} s"
                return _Failure(reason, run_again=True, frames_may_recover=True)
            if not self.endpoint.wait(self.options.poll_interval_s):
                return _Failure("stopped", run_again=False, frames_may_recover=False)


def _read_output(output: object, count: int) -> JobOutcome | _Failure:
    """Check a COMPLETED job's output against the worker's contract and read it per frame."""
    if isinstance(output, dict) and output.get("error"):
        error = _job_error(output["error"])
        transient = is_transient_job_error(error)
        return _Failure(f"job failed: {error}", run_again=transient, frames_may_recover=transient)
    try:
        answers = read_output(output, count)
    except OutputError as err:
        reason = f"malformed output from the endpoint: {err}"
        return _Failure(reason, run_again=False, frames_may_recover=False)
    retry_alone = [not a.ok and is_transient_frame_reason(a.error) for a in answers]
    return JobOutcome(answers, retry_alone, attempts=1)


def _job_error(error: object) -> str:
    """The readable part of a FAILED job's error (the SDK wraps exceptions in a JSON string)."""
    if isinstance(error, str):
        try:
            parsed = json.loads(error)
        except ValueError:
            return error.strip() or "no reason given"
        if isinstance(parsed, dict) and parsed.get("error_message"):
            return f"{parsed.get('error_type', 'error')}: {parsed['error_message']}"
        return error.strip()
    return json.dumps(error)[:300] if error is not None else "no reason given"
