"""Many hostile frames at once: every frame classified right, every job back, nothing lost.

One job mixes more than thirty good and hostile frames in process and must come back soon
after the fetch deadline. Then fifty jobs go through the local API (`/run`, then `/status`),
several at a time, each mixing good frames with hostile ones.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from testkit.hostile_frames import Entry, base64_entries, check_output, url_entries

JOBS = 50
CLIENTS = 8
# A sanity bound on "the deadline plus a little" that holds on a busy two-core machine, not a
# timing claim. Without the deadline the dripping and silent sources would hold the job 40-60 s.
SLACK_S = 20.0


def test_a_job_mixing_thirty_hostile_and_good_frames_returns_soon_after_the_deadline(
    run_job, frame_server, handler_module
):
    entries = url_entries(frame_server)
    assert len(entries) >= 30 and sum(e.fails_with is not None for e in entries) >= 20
    started = time.monotonic()
    output = run_job({"frame_urls": [e.value for e in entries]})
    elapsed = time.monotonic() - started
    check_output(entries, output)
    assert elapsed < handler_module.SETTINGS.fetch_timeout_s + SLACK_S


def _job(number: int, urls: list[Entry], inline: list[Entry]) -> tuple[dict, list[Entry]]:
    """Job `number`: a rotating slice of good and hostile frames, by URL or as base64."""
    pool = inline if number % 3 == 0 else urls
    size = 3 + number % 4
    start = (number * 7) % len(pool)
    entries = [pool[(start + k) % len(pool)] for k in range(size)]
    entries.append(next(e for e in pool if e.fails_with is None))  # at least one good frame
    if number % 3 == 0:
        return {"frame_data": [e.value for e in entries], "format": "base64"}, entries
    return {"frame_urls": [e.value for e in entries]}, entries


def _run_through_api(api_server: str, job_input: dict) -> dict:
    queued = requests.post(f"{api_server}/run", json={"input": job_input}, timeout=30).json()
    status = requests.post(f"{api_server}/status/{queued['id']}", timeout=180).json()
    return {"queued": queued, **status}


def test_fifty_mixed_jobs_through_the_local_api_all_complete_with_every_frame_classified(
    api_server, frame_server
):
    # Only one slow source, so the run stays short; the in-process test above covers the rest.
    urls = url_entries(frame_server, slow=False)
    urls.append(
        Entry(frame_server.add("/drip", b"\xff" * 100, drip_s=0.2), "download from 127.0.0.1 exceeded")
    )
    jobs = [_job(number, urls, base64_entries()) for number in range(JOBS)]
    with ThreadPoolExecutor(CLIENTS) as clients:
        results = list(clients.map(lambda job: _run_through_api(api_server, job[0]), jobs))
    assert len({r["queued"]["id"] for r in results}) == JOBS
    assert [r["status"] for r in results] == ["COMPLETED"] * JOBS
    for (_, entries), result in zip(jobs, results, strict=True):
        check_output(entries, result["output"])
