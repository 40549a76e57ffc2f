"""One job's slow URLs never hold back other jobs: base64 frames skip the download threads, and
each job keeps at most its share of them busy.

A held route answers only when the test releases it: a job whose URLs hang stays in flight for
as long as the test wants, with no timing involved. A job that got stuck behind it would never
finish, so each waiting step has a generous safety limit.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from testkit.images import b64, distinct_jpegs, jpeg

SAFETY_S = 60.0  # how long a step that should be quick may take before the test fails
HUNG_URLS = 20  # more than FETCH_CONCURRENCY (16): every download thread could be held


@pytest.fixture
def hung_job(frame_server):
    """A job of HUNG_URLS URLs under /a/ that hang until `release` is set."""
    release = threading.Event()
    urls = [frame_server.add(f"/a/{i}.jpg", jpeg(), hold=release) for i in range(HUNG_URLS)]
    yield {"frame_urls": urls}, release
    release.set()


async def started(frame_server, count: int) -> None:
    """Return once `count` of the hung job's downloads are held; the event loop runs meanwhile."""
    assert await asyncio.to_thread(frame_server.wait_in_flight, "a", count, SAFETY_S), "never started"


def run_while_hung(handler_module, frame_server, hung_job, other_input) -> tuple[dict, int, dict]:
    """Start the hung job, then another job; the other's output, what was still hung, the hung's."""
    job_input, release = hung_job
    share = handler_module.WORKER.download_share

    async def scenario():
        hung = asyncio.create_task(handler_module.handler({"id": "hung", "input": job_input}))
        await started(frame_server, share)
        other = await asyncio.wait_for(
            handler_module.handler({"id": "other", "input": other_input}), SAFETY_S
        )
        still_hung = frame_server.in_flight_under.get("a", 0)
        release.set()
        return other, still_hung, await asyncio.wait_for(hung, SAFETY_S)

    return asyncio.run(scenario())


def test_a_base64_job_is_described_while_another_jobs_urls_hang(handler_module, frame_server, hung_job):
    other_input = {"frame_data": [b64(data) for data in distinct_jpegs(5)], "format": "base64"}
    other, still_hung, hung = run_while_hung(handler_module, frame_server, hung_job, other_input)
    assert other["failed_indices"] == [] and all(other["descriptions"])
    assert still_hung > 0  # it finished while the first job's downloads were still waiting
    assert hung["failed_indices"] == []


def test_a_url_job_is_fetched_while_an_earlier_jobs_urls_hang(handler_module, frame_server, hung_job):
    urls = [frame_server.add(f"/b/{i}.jpg", data) for i, data in enumerate(distinct_jpegs(2))]
    other, still_hung, hung = run_while_hung(handler_module, frame_server, hung_job, {"frame_urls": urls})
    assert other["failed_indices"] == []
    assert still_hung > 0
    assert hung["count"] == HUNG_URLS and hung["failed_indices"] == []


def test_a_job_never_holds_more_than_its_share_of_the_downloads(handler_module, frame_server, hung_job):
    run_while_hung(handler_module, frame_server, hung_job, {"frame_data": [b64(jpeg())], "format": "base64"})
    share = handler_module.WORKER.download_share
    assert share < HUNG_URLS
    assert frame_server.most_in_flight_under["a"] == share
