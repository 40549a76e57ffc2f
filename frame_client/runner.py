"""Run one job to its end: submit, poll until a final status, check the output, retry if it failed.

Every answer is checked before it is used: a `/status` answer that is not JSON, not an object,
or has no known status is polled again (a bounded number of times in a row), and an output that
breaks the contract costs the job an attempt. The outcome always holds one `FrameResult` per
frame of the job, each failure with its code, and a flag per frame that says whether sending it
again alone may help. How each way an attempt can end is handled (run again? frames alone? which
code?) is the policy's `JOB_ENDINGS`, not decided here. A job that fails on every attempt marks
only its own frames failed. Only `EndpointError` escapes: the endpoint refuses everything and the
run must stop.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from frame_contract.codes import FRAME_UNREADABLE
from frame_contract.output import OutputError, is_invalid_input, read_output
from frame_contract.policy import FINAL_STATES, JOB_ENDINGS, WAITING_STATES

from .failures import EndpointError, frame_may_recover
from .frames import FrameLoadError
from .jobs import Job, JobAsk, job_input
from .options import ClientOptions
from .results import FrameResult
from .transport import Endpoint, RequestFailed, UnusableAnswer

log = logging.getLogger(__name__)

_WAITING = frozenset(WAITING_STATES)
_FINAL = frozenset(FINAL_STATES)


@dataclass(frozen=True)
class JobOutcome:
    """One result per frame of the job, and which failed frames may succeed alone."""

    results: list[FrameResult]
    retry_alone: list[bool]
    attempts: int


@dataclass(frozen=True)
class _Failure:
    """Why one attempt of a job ended without output: the reason, and what the policy does then."""

    reason: str
    ending: str  # a `JOB_ENDINGS` name
    code: str | None = None  # instead of the ending's code

    @property
    def run_again(self) -> bool:
        return JOB_ENDINGS[self.ending].run_again

    @property
    def frames_may_recover(self) -> bool:
        return JOB_ENDINGS[self.ending].frames_alone

    @property
    def frame_code(self) -> str:
        return self.code or JOB_ENDINGS[self.ending].code


class JobRunner:
    """Runs jobs against one endpoint, each asking for `ask`; `run` is called from pool threads."""

    def __init__(self, endpoint: Endpoint, options: ClientOptions, ask: JobAsk):
        self.endpoint = endpoint
        self.options = options
        self.ask = ask

    def run(self, job: Job) -> JobOutcome:
        """Run `job`, again after a failure up to `job_retries` times; never raises for a frame."""
        count = len(job.frames)
        try:
            body = job_input(job.kind, [f.payload_entry() for f in job.frames], self.ask)
        except FrameLoadError as err:  # a local file vanished since it was hashed
            return self._failed(job, _Failure(str(err), "request_refused", FRAME_UNREADABLE), 0)
        attempt = 0
        while True:
            attempt += 1
            outcome = self._guarded_attempt(body, count)
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
            results=[FrameResult(error=failure.reason, code=failure.frame_code)] * count,
            retry_alone=[failure.frames_may_recover] * count,
            attempts=attempts,
        )

    def _guarded_attempt(self, body: dict, count: int) -> JobOutcome | _Failure:
        """One attempt; anything unexpected costs this attempt, never the run."""
        try:
            return self._attempt(body, count)
        except EndpointError:
            raise
        except Exception as err:  # a bug here, or an answer nobody foresaw
            log.warning("job attempt failed on an unexpected error: %s: %s", type(err).__name__, err)
            log.info("where it happened:", exc_info=True)  # the traceback, for -v
            return _Failure(f"client error: {type(err).__name__}: {err}", "client_error")

    def _attempt(self, body: dict, count: int) -> JobOutcome | _Failure:
        try:
            job_id = self.endpoint.submit(body)
        except RequestFailed as err:
            return _Failure(err.reason, err.ending.name)
        options = self.options
        deadline = time.monotonic() + options.job_timeout_s
        unusable = 0  # status answers in a row that could not be used
        state = "IN_QUEUE"
        while True:
            left = deadline - time.monotonic()
            try:
                answer = self.endpoint.status(job_id, read_timeout_s=max(left, 1.0), give_up_at=deadline)
            except UnusableAnswer as err:
                answer, reason = None, str(err)
            except RequestFailed as err:
                if time.monotonic() >= deadline:
                    return self._timed_out(job_id, state)
                return _Failure(err.reason, err.ending.name)
            else:
                reason = _unusable(answer)
            if reason is None:
                unusable = 0
                state = answer["status"]
                if state in _FINAL:
                    return _final(answer, count)
            else:
                unusable += 1
                log.info("job %s: %s (%d in a row)", job_id, reason, unusable)
                if unusable >= options.max_unusable_answers:
                    return _Failure(f"{reason}, {unusable} times in a row", "unusable_answers")
            if time.monotonic() + options.poll_interval_s > deadline:
                return self._timed_out(job_id, state)
            if not self.endpoint.wait(options.poll_interval_s):
                return _Failure("the run stopped", "stopped")

    def _timed_out(self, job_id: str, state: str) -> _Failure:
        self.endpoint.cancel(job_id)
        timeout = self.options.job_timeout_s
        if state == "IN_QUEUE":  # never started: no worker free, not the frames' fault
            return _Failure(f"job still queued after {timeout:g} s", "still_queued")
        return _Failure(f"job did not finish within {timeout:g} s", "still_running")


def _unusable(answer: object) -> str | None:
    """Why a parsed `/status` answer cannot be used, or None when it has a known status."""
    if not isinstance(answer, dict):
        return f"the endpoint's status answer is not a JSON object but {type(answer).__name__}"
    state = answer.get("status")
    if not isinstance(state, str) or state not in _WAITING | _FINAL:
        return f"the endpoint's status answer has an unknown status {json.dumps(state)[:60]}"
    return None


def _final(answer: dict, count: int) -> JobOutcome | _Failure:
    state = answer["status"]
    if state == "COMPLETED":
        return _read_output(answer.get("output"), count)
    if state == "FAILED":
        return _job_error(answer.get("error"))
    if state == "TIMED_OUT":
        return _Failure("job timed out on the endpoint", "timed_out")
    return _Failure("job was cancelled on the endpoint", "cancelled")


def _read_output(output: object, count: int) -> JobOutcome | _Failure:
    """Check a COMPLETED job's output against the worker's contract and read it per frame."""
    if isinstance(output, dict) and output.get("error"):
        return _job_error(output["error"])
    try:
        answers = read_output(output, count)
    except OutputError as err:
        return _Failure(f"malformed output from the endpoint: {err}", "malformed_output")
    retry_alone = [not a.ok and frame_may_recover(a.code) for a in answers]
    return JobOutcome([FrameResult.of(a) for a in answers], retry_alone, attempts=1)


def _job_error(error: object) -> _Failure:
    """A job failed as a whole: permanent for the worker's `Invalid input: ` rejections only."""
    text = _error_text(error)
    return _Failure(f"job failed: {text}", "invalid_input" if is_invalid_input(text) else "failed")


def _error_text(error: object) -> str:
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
