"""Hostile input, round three, measured: `python -m bench.studies.hostile_input`.

Each hostile frame server of `testkit.hostile_frames` (dripping status line and headers, endless
`100 Continue`, answers that break HTTP, a redirect without `Location`) is fetched through the
worker's own `fetch_frame_bytes` under the default `FETCH_TIMEOUT_S` (20 s, `--deadline-s`),
all at once; then one job of 7 good frames beside 1 dripping URL runs on a tiny random model.
Prints one JSON object per row: the input, the code and reason, the seconds it took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from frame_describer.errors import FrameError
from frame_describer.job_input import FrameEntry, parse_job
from frame_describer.settings import Settings
from frame_describer.sources import FetchLimits, fetch_frame_bytes
from testkit.frame_server import FrameServer
from testkit.hostile_frames import (
    at_once,
    broken_answers,
    dripped_headers,
    dripped_status_line,
    endless_continue,
)
from testkit.images import jpeg


def fetch_row(name: str, url: str, limits: FetchLimits) -> dict:
    started = time.monotonic()
    try:
        fetch_frame_bytes(FrameEntry("url", url), limits)
        code, reason = None, "fetched"
    except FrameError as err:
        code, reason = err.code, str(err)
    return {"input": name, "code": code, "reason": reason, "seconds": round(time.monotonic() - started, 2)}


def job_row(server: FrameServer, deadline_s: float) -> dict:
    from frame_describer.worker import Worker
    from testkit.tiny_model import build_tiny_model

    folder = build_tiny_model(os.path.join(tempfile.mkdtemp(), "model"))
    worker = Worker.start(Settings(model_id=folder, fetch_timeout_s=deadline_s))
    good = [server.add(f"/job/{i}.jpg", jpeg(size=(64, 36), label=str(i))) for i in range(7)]
    held = server.add("/job/held.jpg", raw=dripped_status_line(1.0))
    job = {"frame_urls": [held, *good], "prompt": "Describe.", "max_new_tokens": 8}
    request = parse_job(job, worker.settings, worker.capabilities)
    started = time.monotonic()
    try:
        outcomes = asyncio.run(worker.run_job(request)).outcomes
    finally:
        worker.close()
    return {
        "input": "job: 7 good URLs beside 1 dripping its status line",
        "described": sum(not isinstance(o, FrameError) for o in outcomes),
        "codes": [o.code for o in outcomes if isinstance(o, FrameError)],
        "seconds": round(time.monotonic() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline-s", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault("RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS", "1")  # the servers are on 127.0.0.1
    import runpod.serverless.utils.rp_ssrf  # noqa: F401  (imported at start-up, as the worker does)

    server = FrameServer()
    limits = FetchLimits(max_bytes=32 * 1024 * 1024, deadline_s=args.deadline_s, retries=2)
    image = jpeg(size=(64, 36))
    routes = {
        "status line dripped, 1 byte/s": dripped_status_line(1.0),
        "headers dripped, 1 byte/s": dripped_headers(1.0),
        "100 Continue every 0.5 s, forever": endless_continue(0.5),
        **{f"broken: {name}": at_once(answer) for name, (answer, _) in broken_answers(image).items()},
    }
    cases = {name: server.add(f"/{i}", raw=raw) for i, (name, raw) in enumerate(routes.items())}
    cases["302 without Location"] = server.add("/no-location?X-Amz-Signature=secret", status=302)
    with ThreadPoolExecutor(len(cases)) as pool:
        rows = list(pool.map(lambda item: fetch_row(*item, limits), cases.items()))
    rows.append(job_row(server, args.deadline_s))
    for row in rows:
        print(json.dumps(row))
    server.close()


if __name__ == "__main__":
    main()
