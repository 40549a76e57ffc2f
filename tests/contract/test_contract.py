"""The output contract of issue #2, through the real handler on the tiny model."""

from __future__ import annotations

import asyncio
import logging

from testkit.images import b64, data_uri, distinct_jpegs, jpeg


def test_every_frame_gets_one_description_in_input_order(run_job, frame_server):
    frames = distinct_jpegs(3)
    urls = [frame_server.add(f"/f{i}.jpg", data) for i, data in enumerate(frames)]
    output = run_job({"frame_urls": urls})
    assert output["count"] == 3
    assert len(output["descriptions"]) == 3
    assert all(isinstance(d, str) and d for d in output["descriptions"])
    assert output["failed_indices"] == []
    assert output["errors"] == []


def test_bare_base64_frames_are_described(run_job):
    output = run_job({"frame_data": [b64(jpeg()), b64(jpeg((200, 10, 10)))], "format": "base64"})
    assert output["failed_indices"] == []
    assert all(output["descriptions"])


def test_data_uris_are_accepted_as_urls(run_job):
    output = run_job({"frame_urls": [data_uri(jpeg())]})
    assert output["failed_indices"] == [] and output["descriptions"][0]


def test_a_missing_frame_fails_alone_with_its_http_status(run_job, frame_server):
    good = frame_server.add("/good.jpg", jpeg())
    output = run_job({"frame_urls": [good, frame_server.url("/missing.jpg"), good]})
    assert output["failed_indices"] == [1]
    assert output["errors"] == ["HTTP 404 from 127.0.0.1"]
    assert output["descriptions"][1] == ""
    assert output["descriptions"][0] and output["descriptions"][2]


def test_progress_is_reported_once_per_frame(handler_module):
    from frame_describer.job_input import parse_job

    job_input = {"frame_data": [b64(jpeg())] * 3, "format": "base64"}
    request = parse_job(job_input, handler_module.SETTINGS, handler_module.WORKER.capabilities)
    reports: list[tuple[int, int]] = []
    asyncio.run(handler_module.WORKER.run_job(request, lambda done, total: reports.append((done, total))))
    assert reports == [(1, 3), (2, 3), (3, 3)]


def test_each_job_logs_one_summary_line_with_its_timings(run_job, caplog):
    caplog.set_level(logging.INFO, logger="handler")
    run_job({"frame_data": [b64(jpeg()), "%%%"], "format": "base64"}, job_id="job-42")
    lines = [r.getMessage() for r in caplog.records if "job-42" in r.getMessage()]
    assert len(lines) == 1
    assert "2 frames, 1 failed" in lines[0]
    for part in ("fetch", "preprocess", "generation", "tok/s"):
        assert part in lines[0]


def test_an_invalid_job_returns_one_error_sentence_and_no_output_fields(run_job):
    output = run_job({"frame_urls": [], "prompt": "x"})
    assert set(output) == {"error"}
    assert isinstance(output["error"], str) and output["error"].endswith(".")


def test_a_frame_entry_that_is_not_a_string_fails_alone(run_job):
    output = run_job({"frame_urls": [data_uri(jpeg()), 42, None, {"url": "x"}]})
    assert output["failed_indices"] == [1, 2, 3]
    assert output["descriptions"][0]
    assert all("must be a string" in reason for reason in output["errors"])


def test_the_frames_of_a_job_are_fetched_all_at_once(run_job, frame_server):
    # Each answer takes a second: fetched one by one, at most one would be in flight at a time.
    urls = [frame_server.add(f"/slow{i}.jpg", data, delay_s=1.0) for i, data in enumerate(distinct_jpegs(10))]
    output = run_job({"frame_urls": urls})
    assert output["failed_indices"] == []
    assert frame_server.most_in_flight == 10
