"""The client policy, declared once: what a client retries, how long it waits, and its defaults.

Both clients follow it: the Python client reads it here, the TypeScript client reads the
constants generated from it (`typescript.py`), and `docs/client-policy.md` describes it. A rule
changes here, nowhere else. Three levels, each with its own retry:

1. One HTTP call to the endpoint is retried in place with capped exponential backoff
   (`http_backoff_s`, times `backoff_factor` each try, at most `max_backoff_s`; a Retry-After
   header lengthens a pause up to that cap) while its failures last less than `outage_s`:
   connection errors, timeouts and `TRANSIENT_HTTP_STATUSES`. Then the call fails
   (`endpoint_unreachable`). `KEY_REFUSED_STATUSES` on any call and `NO_ENDPOINT_STATUS` on
   `/run` stop the whole run; every other status fails the call for good.
2. One job is run again, up to `job_retries` times, when an attempt ends in a `JOB_ENDINGS`
   entry with `run_again`.
3. One frame is sent again alone, once (`frame_retries`), after its job ended: when the worker
   failed it with a retryable code (`codes.py`), or when its job ended in an entry with
   `frames_alone` on every attempt (one frame may be what breaks a job).

Every duration is in seconds. Conformance scenarios (`scenarios/`) run in scaled time: the
endpoint and the client both multiply the durations named in `SCALED_DURATIONS` by the
scenario's `time_scale`, so a 20 s outage takes 0.2 s of a test.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .codes import ENDPOINT_UNREACHABLE, JOB_FAILED, JOB_TIMED_OUT, TRANSIENT_HTTP_STATUSES

__all__ = [
    "FINAL_STATES",
    "JOB_ENDINGS",
    "KEY_REFUSED_STATUSES",
    "NO_ENDPOINT_STATUS",
    "POLICY",
    "SCALED_DURATIONS",
    "TRANSIENT_HTTP_STATUSES",
    "WAITING_STATES",
    "ClientPolicy",
    "Ending",
]

# RunPod job states: a job in a waiting state is polled again; a final state ends the attempt.
WAITING_STATES = ("IN_QUEUE", "IN_PROGRESS")
FINAL_STATES = ("COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED")

# The endpoint refuses the API key: no request can succeed, the run stops (CLI exit 3).
KEY_REFUSED_STATUSES = frozenset({401, 403})
# On `/run`: no such endpoint, the run stops (CLI exit 3). On `/status` it means a job the
# endpoint no longer knows: the attempt fails and the job may run again.
NO_ENDPOINT_STATUS = 404


@dataclass(frozen=True)
class ClientPolicy:
    """The numbers of the policy: defaults of every client option, and its fixed rules."""

    batch_size: int = 5  # frames per job: render-api's
    concurrency: int = 10  # jobs in flight at once, in a rolling pool: render-api's
    outage_s: float = 120.0  # how long one HTTP call keeps retrying an unreachable endpoint
    job_timeout_s: float = 600.0  # from /run to a final status, queued or running; then cancelled
    poll_interval_s: float = 2.0  # between status checks of a job still queued or running
    job_retries: int = 1  # runs of a failed job after its first
    job_retry_delay_s: float = 1.0  # pause before running a failed job again
    frame_retries: int = 1  # times a frame that failed retryably is sent again alone
    http_backoff_s: float = 0.5  # first pause between tries of one HTTP call
    backoff_factor: float = 2.0  # each pause is the previous one times this
    max_backoff_s: float = 10.0  # longest pause between tries, Retry-After included
    max_unusable_answers: int = 5  # /status answers in a row that cannot be used; then the attempt fails
    connect_timeout_s: float = 10.0  # to open a connection to the endpoint
    request_timeout_s: float = 60.0  # to read the answer of /run and of a hosted status check
    max_payload_bytes: int = 9_000_000  # one job's JSON body; RunPod's /run takes 10 MB


POLICY = ClientPolicy()

# The durations a scenario's `time_scale` multiplies (the network timeouts stay as they are:
# a loopback answer never nears them, and scaled down they would only make tests flaky).
SCALED_DURATIONS = (
    "outage_s",
    "job_timeout_s",
    "poll_interval_s",
    "job_retry_delay_s",
    "http_backoff_s",
    "max_backoff_s",
)
assert set(SCALED_DURATIONS) <= {f.name for f in fields(ClientPolicy)}


@dataclass(frozen=True)
class Ending:
    """How one attempt of a job can end without usable output, and what the client does then."""

    name: str
    run_again: bool  # another attempt of the same job may succeed
    frames_alone: bool  # the worker failed on these frames: once the job is given up, try each alone
    code: str  # the failure code its frames get when the job is given up
    meaning: str


JOB_ENDINGS: dict[str, Ending] = {
    ending.name: ending
    for ending in (
        Ending(
            "failed",
            True,
            True,
            JOB_FAILED,
            "status FAILED, or COMPLETED with `output.error`, the error not starting with `Invalid input: `",
        ),
        Ending(
            "invalid_input",
            False,
            False,
            JOB_FAILED,
            "status FAILED, or COMPLETED with `output.error`, the error starting with `Invalid input: `: "
            "the worker rejected the request as a whole and would again",
        ),
        Ending(
            "timed_out", True, True, JOB_TIMED_OUT, "status TIMED_OUT: the endpoint's own execution timeout"
        ),
        Ending("cancelled", False, False, JOB_FAILED, "status CANCELLED: someone cancelled the job"),
        Ending(
            "malformed_output",
            True,
            False,
            JOB_FAILED,
            "status COMPLETED with an output that breaks the contract (`output.py`)",
        ),
        Ending(
            "still_queued",
            True,
            False,
            JOB_TIMED_OUT,
            "still IN_QUEUE at `job_timeout_s`: no worker took it, not the frames' fault; cancelled",
        ),
        Ending(
            "still_running",
            True,
            True,
            JOB_TIMED_OUT,
            "still IN_PROGRESS at `job_timeout_s`; cancelled",
        ),
        Ending(
            "unreachable",
            True,
            False,
            ENDPOINT_UNREACHABLE,
            "an HTTP call failed transiently for the whole outage window",
        ),
        Ending("no_job_id", True, False, JOB_FAILED, "`/run` answered 200 without a job id (or not JSON)"),
        Ending(
            "unusable_answers",
            True,
            False,
            JOB_FAILED,
            "`max_unusable_answers` status answers in a row that were not JSON or had no known status",
        ),
        Ending("job_unknown", True, False, JOB_FAILED, "`/status` answered 404: the endpoint lost the job"),
        Ending(
            "request_refused",
            False,
            False,
            JOB_FAILED,
            "another HTTP status that is not transient (a 4xx): the request itself is wrong",
        ),
        Ending(
            "client_error",
            True,
            False,
            JOB_FAILED,
            "an error in the client itself while running the attempt (a bug, or an answer nobody foresaw)",
        ),
        Ending(
            "stopped", False, False, JOB_FAILED, "the run stopped (interrupted, or the endpoint refused it)"
        ),
    )
}
