"""A loopback proxy in front of the real local API, for the client's tests.

It forwards `/run` and `/status/{id}` to `python handler.py --rp_serve_api`, records every job
input the client sends, counts the status calls that run a job (on the local API the job runs
during its status call) and misbehaves on request: lose a response after the worker ran the
job, hold status calls until a number of them are in flight, hold the first job until others
have finished; answer status calls with canned bodies (not JSON, no known status) or keep a job
queued; rewrite a job's output; hold every job after the first few until released; go down
(refuse connections, drop answers) for a while. With `hosted_key` it plays the hosted API
instead: routes under `/v2/{endpoint}`, a Bearer key required, GET for status, "IN_QUEUE" on a
job's first check.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import requests

from testkit.loopback import LoopbackServer, drop

HOSTED_ENDPOINT_ID = "test-endpoint"
_HOLD_TIMEOUT_S = 60.0


class ApiProxy:
    """Forwards to `upstream` (the local API's base URL); `url` is what the client talks to."""

    def __init__(self, upstream: str, hosted_key: str | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.hosted_key = hosted_key
        self.job_inputs: list[dict] = []  # every /run's input, in arrival order
        self.status_methods: list[str] = []
        self.in_flight = 0  # status calls running a job right now
        self.max_in_flight = 0
        self.finished = 0  # status calls that ran a job and answered
        # Misbehaviour, set by tests before the client runs.
        self.lose_responses = 0  # answer this many job-running status calls with 502, after the job ran
        self.barrier = 0  # hold job-running status calls until this many are in flight (once)
        self.hold_first_job_until = 0  # hold the first job until this many other jobs finished
        self.finished_while_held: int | None = None
        # Answered instead of forwarding, one per status call while any are left: bytes go out
        # as a 200 text/html body, anything else as a 200 JSON body.
        self.canned_status: list[object] = []
        self.keep_queued = False  # answer every status call "IN_QUEUE", never run the job
        self.output_rewrites: list[Callable[[dict], object]] = []  # one per COMPLETED output, in turn
        self.hold_jobs_after: int | None = None  # hold job-running status calls once this many finished
        self.outage_at_status = 0  # the n-th job-running status call takes the proxy down ...
        self.outage_for_s = 0.0  # ... for this long, dropping that call's answer too
        self.cancelled: list[str] = []
        self._released = False
        self._status_calls = 0
        self._barrier_done = False
        self._first_job: str | None = None
        self._inputs_by_id: dict[str, dict] = {}
        self._hosted_seen: set[str] = set()
        self._hosted_results: dict[str, dict] = {}
        self._cond = threading.Condition()
        self._server = LoopbackServer(self._route)
        root = self._server.url
        self.url = f"{root}/v2/{HOSTED_ENDPOINT_ID}" if hosted_key else root
        self._prefix = f"/v2/{HOSTED_ENDPOINT_ID}" if hosted_key else ""

    def frames_sent(self) -> list[str]:
        """Every frame entry of every job, in the order the jobs arrived."""
        return [
            entry for body in self.job_inputs for entry in body.get("frame_data", body.get("frame_urls", []))
        ]

    def release(self) -> None:
        """Let the jobs held by `hold_jobs_after` go on."""
        with self._cond:
            self._released = True
            self._cond.notify_all()

    def close(self) -> None:
        self.release()
        self._server.close()

    # ---------------------------------------------------------------- outage

    @property
    def down(self) -> bool:
        return self._server.down

    def _go_down(self) -> None:
        """Refuse connections and drop every answer for `outage_for_s`, then listen again."""
        self._server.go_down(self.outage_for_s)

    # ---------------------------------------------------------------- routing

    def _route(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if self.down:
            return drop(request)
        path = request.path
        if not path.startswith(self._prefix):
            return _answer(request, 404, {"error": "not found"})
        path = path[len(self._prefix) :]
        if self.hosted_key and request.headers.get("Authorization") != f"Bearer {self.hosted_key}":
            return _answer(request, 401, {"error": "Unauthorized"})
        if path == "/run" and method == "POST":
            return self._run(request, body)
        if path.startswith("/cancel/"):
            with self._cond:
                self.cancelled.append(path[len("/cancel/") :])
            return _answer(request, 200, {"status": "CANCELLED"})
        if path.startswith("/status/"):
            job_id = path[len("/status/") :]
            with self._cond:
                self.status_methods.append(method)
                canned = self.canned_status.pop(0) if self.canned_status else None
            if canned is not None:
                return _answer_raw(request, canned)
            if self.keep_queued:
                return _answer(request, 200, {"id": job_id, "status": "IN_QUEUE"})
            if self.hosted_key:
                if method != "GET":
                    return _answer(request, 405, {"detail": "Method Not Allowed"})
                return self._hosted_status(request, job_id)
            if method == "GET":  # the local API answers 405 to GET: pass it on as it is
                return self._forward(request, "GET", path, None)
            return self._job_running_status(request, job_id)
        return _answer(request, 404, {"error": "not found"})

    def _run(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        status, answer = _upstream("POST", f"{self.upstream}/run", body)
        if status == 200:
            job_input = json.loads(body)["input"]
            with self._cond:
                self.job_inputs.append(job_input)
                self._inputs_by_id[answer["id"]] = job_input
                if self._first_job is None:
                    self._first_job = answer["id"]
        _answer(request, status, answer)

    def _hosted_status(self, request: BaseHTTPRequestHandler, job_id: str) -> None:
        with self._cond:
            cached = self._hosted_results.get(job_id)
            first_look = job_id not in self._hosted_seen
            self._hosted_seen.add(job_id)
        if cached is not None:
            return _answer(request, 200, cached)
        if first_look:
            return _answer(request, 200, {"id": job_id, "status": "IN_QUEUE"})
        status, answer = self._run_job(job_id)
        if status == 200:
            with self._cond:
                self._hosted_results[job_id] = answer
        _answer(request, status, answer)

    def _job_running_status(self, request: BaseHTTPRequestHandler, job_id: str) -> None:
        with self._cond:
            self._status_calls += 1
            outage = self.outage_for_s > 0 and self._status_calls == self.outage_at_status
        status, answer = self._run_job(job_id)
        with self._cond:
            lose = self.lose_responses > 0
            if lose:
                self.lose_responses -= 1
        if outage:
            self._go_down()
        if self.down:
            return drop(request)
        if lose:
            return _answer(request, 502, {"error": "bad gateway"})
        _answer(request, status, answer)

    def _run_job(self, job_id: str) -> tuple[int, dict]:
        """Forward the status call that runs the job, counting it as in flight meanwhile."""
        with self._cond:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._cond.notify_all()
            if self.barrier and not self._barrier_done:
                self._cond.wait_for(lambda: self.in_flight >= self.barrier, timeout=_HOLD_TIMEOUT_S)
                self._barrier_done = True
            if self.hold_first_job_until and job_id == self._first_job:
                self._cond.wait_for(
                    lambda: self.finished >= self.hold_first_job_until, timeout=_HOLD_TIMEOUT_S
                )
                self.finished_while_held = self.finished
            if self.hold_jobs_after is not None and self.finished >= self.hold_jobs_after:
                self._cond.wait_for(lambda: self._released, timeout=_HOLD_TIMEOUT_S)
        try:
            status, answer = _upstream("POST", f"{self.upstream}/status/{job_id}", b"")
            return status, self._rewritten(answer)
        finally:
            with self._cond:
                self.in_flight -= 1
                if job_id != self._first_job or not self.hold_first_job_until:
                    self.finished += 1
                self._cond.notify_all()

    def _rewritten(self, answer: dict) -> dict:
        if answer.get("status") != "COMPLETED":
            return answer
        with self._cond:
            rewrite = self.output_rewrites.pop(0) if self.output_rewrites else None
        return answer if rewrite is None else {**answer, "output": rewrite(answer["output"])}

    def _forward(self, request: BaseHTTPRequestHandler, method: str, path: str, body: bytes | None) -> None:
        status, answer = _upstream(method, f"{self.upstream}{path}", body)
        _answer(request, status, answer)


def _upstream(method: str, url: str, body: bytes | None) -> tuple[int, dict]:
    response = requests.request(
        method, url, data=body, headers={"Content-Type": "application/json"}, timeout=_HOLD_TIMEOUT_S * 2
    )
    try:
        answer = response.json()
    except ValueError:
        answer = {"error": response.text}
    return response.status_code, answer


def _answer(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


def _answer_raw(request: BaseHTTPRequestHandler, body: object) -> None:
    """A 200 with `body`: bytes as they are (as a gateway's error page would come), else as JSON."""
    if not isinstance(body, bytes):
        return _answer(request, 200, body)
    request.send_response(200)
    request.send_header("Content-Type", "text/html")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


def fail_each_with(codes: list[str]):
    """An output rewrite that fails frame i of the job with `codes[i]`."""

    def rewrite(output: dict) -> dict:
        return {
            **output,
            "descriptions": [""] * len(codes),
            "failed_indices": list(range(len(codes))),
            "errors": [f"injected {code}" for code in codes],
            "error_codes": list(codes),
        }

    return rewrite


def without(*keys: str):
    return lambda output: {k: v for k, v in output.items() if k not in keys}
