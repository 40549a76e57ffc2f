"""The shared GPU engine: frames of concurrent jobs share batches, and each job gets its own back."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest

from frame_describer.engine import DescriptionEngine
from frame_describer.frame_types import GenerationOptions
from frame_describer.generation import Generator
from frame_describer.preprocess import prepare_frame
from frame_describer.prompt import DEFAULT_PROMPT
from testkit.images import b64, distinct_jpegs, frame, jpeg


def recording(generate, sizes: list[int]):
    """`generate`, noting the size of every batch it is given in `sizes`."""

    def recording_generate(**inputs):
        sizes.append(int(inputs["input_ids"].shape[0]))
        return generate(**inputs)

    return recording_generate


@pytest.fixture
def batch_sizes(handler_module, monkeypatch):
    """The size of every batch the handler's engine sends to `generate`."""
    generator = handler_module.WORKER.engine.generator
    sizes: list[int] = []
    monkeypatch.setattr(generator, "generate", recording(generator.generate, sizes))
    return sizes


def run_jobs_at_once(handler_module, jobs: list[dict]) -> list[dict]:
    async def all_jobs():
        calls = [handler_module.handler({"id": f"job-{i}", "input": job}) for i, job in enumerate(jobs)]
        return await asyncio.gather(*calls)

    return asyncio.run(all_jobs())


def test_frames_of_concurrent_jobs_share_batches(handler_module, batch_sizes):
    frames = [b64(data) for data in distinct_jpegs(4)]
    jobs = [{"frame_data": [frames[i], frames[i + 1]], "format": "base64"} for i in (0, 2)]
    run_jobs_at_once(handler_module, jobs)
    assert max(batch_sizes) > 2  # a batch held frames of both 2-frame jobs


def test_each_concurrent_job_gets_its_own_descriptions_in_order(handler_module, run_job):
    frames = [b64(data) for data in distinct_jpegs(6)]
    jobs = [{"frame_data": frames[i : i + 3], "format": "base64"} for i in (0, 3)]
    together = run_jobs_at_once(handler_module, jobs)
    for job, output in zip(jobs, together, strict=True):
        alone = [run_job({"frame_data": [f], "format": "base64"}) for f in job["frame_data"]]
        assert output["descriptions"] == [a["descriptions"][0] for a in alone]


def test_a_batch_waits_for_ticketed_frames_that_keep_arriving(handler_module):
    loaded = handler_module.WORKER.loaded
    sizes: list[int] = []
    generator = Generator(loaded)
    generator.generate = recording(generator.generate, sizes)
    engine = DescriptionEngine(generator, max_batch_size=8, batch_wait_s=0.4)
    prepared = [prepare_frame(loaded, frame(), DEFAULT_PROMPT, GenerationOptions(4)) for _ in range(4)]
    tickets = [engine.ticket() for _ in prepared]
    futures = []
    # Arrivals 150 ms apart: each inside the 400 ms gap, the last one after 450 ms in all.
    for ticket, item in zip(tickets, prepared, strict=True):
        futures.append(ticket.submit(item))
        time.sleep(0.15)
    [f.result(timeout=60) for f in futures]
    assert sizes == [4]


def test_a_batch_does_not_wait_for_frames_nobody_ticketed(handler_module):
    loaded = handler_module.WORKER.loaded
    done = threading.Event()
    generator = Generator(loaded)
    engine = DescriptionEngine(generator, max_batch_size=8, batch_wait_s=30.0)
    prepared = prepare_frame(loaded, frame(), DEFAULT_PROMPT, GenerationOptions(4))
    future = engine.submit(prepared)
    future.add_done_callback(lambda _: done.set())
    assert done.wait(timeout=20)  # far less than the 30 s wait: nothing else was ticketed


def test_a_job_cancelled_before_its_frames_start_leaves_no_ticket_open(handler_module):
    job = {"id": "cancelled", "input": {"frame_data": [b64(jpeg())] * 3, "format": "base64"}}

    async def cancel_right_away():
        task = asyncio.create_task(handler_module.handler(job))
        await asyncio.sleep(0)  # the handler starts and schedules its frames, which have not run
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(cancel_right_away())
    assert handler_module.WORKER.engine.expected == 0
