"""A scripted RunPod endpoint on 127.0.0.1 that plays one conformance scenario, for both clients' suites.

It answers as the hosted API does (`POST /run`, `GET /status/{id}`, `POST /cancel/{id}`,
`GET /health`, routes at the root of its URL, no key needed) but every answer comes from the
scenario (`frame_contract/scenarios/README.md` defines the format): scripted HTTP answers,
each job's states and final answer, per-frame failure codes, outages. A job that asks for
`output: fields` or `measure` gets each frame's fields or measurements, made from its name. A
frame is known by its content (`frame_bytes`), so its description is the same whichever job
carries it. Outages refuse connections: the listening socket is closed and opened again on the
same port.
`GET /_scenario` reports what the endpoint saw (`Stats`), for runners in other languages.

    python -m testkit.scripted_endpoint frame_contract/scenarios/outage_20s.json

prints the endpoint's URL as the first line of stdout and serves until stdin closes or SIGTERM.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from frame_contract.codes import NOT_AN_IMAGE
from frame_contract.job_input import MEASURE_KINDS
from frame_contract.output import TEXT_TRUNCATED, FrameAnswer, build_output
from testkit.loopback import LoopbackServer, drop

log = logging.getLogger(__name__)

SCENARIOS = Path(__file__).resolve().parent.parent / "frame_contract" / "scenarios"


def load_scenario(path: str | Path) -> dict:
    """A scenario file, parsed."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def all_scenarios() -> list[Path]:
    return sorted(SCENARIOS.glob("*.json"))


def frame_bytes(name: str) -> bytes:
    """The content of the scenario frame called `name`: what both clients send for it."""
    return f"scenario frame {name}\n".encode()


def description_of(name: str) -> str:
    return f"description of {name}"


def measurements_of(name: str, kinds: tuple[str, ...]) -> dict:
    """The measurements the endpoint answers for frame `name`: only the `kinds` asked, text naming it."""
    every = {
        "text": [{"text": f"text of {name}", "box": [0.125, 0.75, 0.875, 0.875], "confidence": 0.99}],
        TEXT_TRUNCATED: False,
        "colour": {"palette": [{"hex": "#102030", "share": 0.75}, {"hex": "#f0e0d0", "share": 0.25}]},
        "exposure": {"mean": 0.25, "highlights_clipped": 0.5, "shadows_crushed": 0.125, "contrast": 0.625},
    }
    wanted = {*kinds, *((TEXT_TRUNCATED,) if "text" in kinds else ())}
    return {key: value for key, value in every.items() if key in wanted}


def _kinds(measure: object) -> tuple[str, ...]:
    """The kinds a job's `measure` asks for: `true` every kind, a list those of it; else none."""
    if measure is True:
        return MEASURE_KINDS
    return tuple(kind for kind in MEASURE_KINDS if isinstance(measure, list) and kind in measure)


@dataclass
class Stats:
    """What the endpoint saw, for the expectations that are not per frame."""

    requests: int = 0  # every request that reached a handler, dropped ones included
    runs: int = 0  # /run requests answered with a job id
    cancels: int = 0
    early_retries: int = 0  # requests that came before a Retry-After the endpoint sent had passed
    sent: list[str | None] = field(default_factory=list)  # the frames of every accepted job, by name


class _Job:
    def __init__(self, frames: list[str], fields: bool, measure: tuple[str, ...], script: dict) -> None:
        self.frames = frames
        self.fields = fields
        self.measure = measure
        self.script = script
        self.polls = 0


class ScriptedEndpoint:
    """Plays `scenario` on a random port; `url` is the endpoint's base URL."""

    def __init__(self, scenario: dict) -> None:
        self.scenario = scenario
        self.scale = float(scenario.get("time_scale", 1.0))
        script = scenario.get("endpoint", {})
        self._answers = {route: _expand(script.get(route, [])) for route in ("run", "status")}
        self._job_scripts = list(script.get("jobs", []))
        self._default_job = script.get("job", {})
        self._frame_codes = {name: list(codes) for name, codes in script.get("frames", {}).items()}
        self._outages = {o["at_request"]: o["for_s"] for o in script.get("outages", [])}
        self._by_content = {frame_bytes(name): name for name in scenario.get("frames", [])}
        self.stats = Stats()
        self._jobs: dict[str, _Job] = {}
        self._not_before = 0.0  # monotonic time before which a Retry-After asked for no request
        self._lock = threading.Lock()
        # HTTP/1.0: one request per connection, so an outage refuses them all.
        self._server = LoopbackServer(self._handle, protocol_version="HTTP/1.0")
        self.url = self._server.url

    def close(self) -> None:
        self._server.close()

    def __enter__(self) -> ScriptedEndpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- routing

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        path = request.path.split("?", 1)[0]
        with self._lock:
            if path == "/_scenario":
                return _answer(request, 200, asdict(self.stats))
            self.stats.requests += 1
            now = time.monotonic()
            if now < self._not_before:
                self.stats.early_retries += 1
            if self._server.down:
                return drop(request)
            outage = self._outages.get(self.stats.requests)
            if outage is not None:
                self._server.go_down(outage * self.scale)
                return drop(request)
            parts = path.strip("/").split("/")
            if parts == ["health"] and method == "GET":
                return _answer(request, 200, {"jobs": {}, "workers": {"idle": 1}})
            if parts == ["run"] and method == "POST":
                return self._run(request, body)
            if len(parts) == 2 and parts[0] == "status":
                return self._status(request, parts[1])
            if len(parts) == 2 and parts[0] == "cancel" and method == "POST":
                self.stats.cancels += 1
                return _answer(request, 200, {"id": parts[1], "status": "CANCELLED"})
            return _answer(request, 404, {"error": f"no route {method} {path}"})

    def _scripted(self, request: BaseHTTPRequestHandler, route: str) -> bool:
        """Send the next scripted answer for `route`, if one is left; True when one was sent."""
        if not self._answers[route]:
            return False
        answer = self._answers[route].pop(0)
        retry_after = answer.get("retry_after_s")
        headers = {}
        if retry_after is not None:
            scaled = retry_after * self.scale
            headers["Retry-After"] = f"{scaled:g}"
            self._not_before = time.monotonic() + scaled
        _answer(request, answer.get("http", 200), answer.get("body", {}), headers)
        return True

    def _run(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        if self._scripted(request, "run"):
            return
        try:
            job_input = json.loads(body)["input"]
            entries = job_input["frame_data"]
        except (ValueError, KeyError, TypeError):
            return _answer(request, 400, {"error": 'expected {"input": {"frame_data": [...]}}'})
        index = self.stats.runs
        self.stats.runs += 1
        script = self._job_scripts[index] if index < len(self._job_scripts) else self._default_job
        job_id = f"job-{index + 1}"
        frames = [self._name(entry) for entry in entries]
        self.stats.sent.extend(frames)
        fields, measure = job_input.get("output") == "fields", _kinds(job_input.get("measure"))
        self._jobs[job_id] = _Job(frames, fields, measure, script)
        _answer(request, 200, {"id": job_id, "status": "IN_QUEUE"})

    def _status(self, request: BaseHTTPRequestHandler, job_id: str) -> None:
        if self._scripted(request, "status"):
            return
        job = self._jobs.get(job_id)
        if job is None:
            return _answer(request, 404, {"error": "job not found"})
        waiting = job.script.get("waiting", [])
        final = job.script.get("final", "COMPLETED")
        job.polls += 1
        if job.polls <= len(waiting) or final is None:
            state = waiting[min(job.polls, len(waiting)) - 1] if waiting else "IN_PROGRESS"
            return _answer(request, 200, {"id": job_id, "status": state})
        answer: dict = {"id": job_id, "status": final}
        if final == "FAILED":
            answer["error"] = job.script.get("error", "the worker failed")
        elif final == "COMPLETED":
            answer["output"] = self._output(job)
        _answer(request, 200, answer)

    def _output(self, job: _Job) -> object:
        if "output" in job.script:
            return job.script["output"]
        if "output_error" in job.script:
            return {"error": job.script["output_error"]}
        answers = []
        for name in job.frames:
            codes = self._frame_codes.get(name or "", [])
            if name is None or codes:
                code = codes.pop(0) if codes else NOT_AN_IMAGE
                answers.append(FrameAnswer(error=f"scripted {code}", code=code))
            else:
                fields = {"frame": name} if job.fields else None
                measurements = measurements_of(name, job.measure) if job.measure else None
                answers.append(FrameAnswer(description_of(name), fields=fields, measurements=measurements))
        return build_output(answers, with_fields=job.fields, with_measurements=bool(job.measure))

    def _name(self, entry: object) -> str | None:
        try:
            return self._by_content.get(base64.b64decode(str(entry), validate=True))
        except ValueError:
            return None


def _expand(answers: list[dict]) -> list[dict]:
    """Scripted answers in order, each repeated its `times` (default 1)."""
    return [answer for answer in answers for _ in range(answer.get("times", 1))]


def _answer(request: BaseHTTPRequestHandler, status: int, body: object, headers: dict | None = None) -> None:
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    with contextlib.suppress(OSError):
        request.wfile.write(data)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m testkit.scripted_endpoint SCENARIO.json\n")
        return 2
    endpoint = ScriptedEndpoint(load_scenario(argv[0]))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    sys.stdout.write(endpoint.url + "\n")
    sys.stdout.flush()
    stop.wait()
    endpoint.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
