"""The client against answers it did not expect, outages and stuck jobs: it never loses a run.

Each fault comes from the loopback proxy in front of the real worker (`client_proxy.py`): it
injects `error_codes`, answers `/status` with bodies that are not JSON or have no known status,
strips or breaks a job's output, goes down for a while, or keeps a job queued.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from frame_client import describe_frames
from frame_contract.codes import (
    EMPTY_DESCRIPTION,
    ENDPOINT_UNREACHABLE,
    JOB_FAILED,
    JOB_TIMED_OUT,
    NOT_AN_IMAGE,
    RUN_ABORTED,
    WORKER_CODES,
)
from testkit.client_proxy import ApiProxy, fail_each_with, without
from testkit.client_support import FAST, describe_alone
from testkit.images import distinct_jpegs


@pytest.fixture
def proxy(api_server):
    proxy = ApiProxy(api_server)
    yield proxy
    proxy.close()


# ---------------------------------------------------------------- 4: retries read codes only


def test_a_frame_is_sent_again_alone_exactly_when_the_workers_code_is_retryable(proxy):
    codes = sorted(WORKER_CODES)
    frames = distinct_jpegs(len(codes))
    proxy.output_rewrites = [fail_each_with(codes)]
    results = describe_frames(
        frames, endpoint_url=proxy.url, batch_size=len(frames), concurrency=2, options=FAST
    )
    retryable = [code for code in codes if WORKER_CODES[code].retryable]
    assert len(proxy.job_inputs) == 1 + len(retryable)
    first = proxy.job_inputs[0]["frame_data"]
    sent_alone = sorted(body["frame_data"] for body in proxy.job_inputs[1:])
    assert sent_alone == sorted([first[i]] for i, code in enumerate(codes) if code in retryable)
    for code, result in zip(codes, results, strict=True):
        if WORKER_CODES[code].retryable:
            assert result.ok, code
        else:
            assert (result.code, result.error) == (code, f"injected {code}")


def test_a_job_rejected_as_invalid_input_is_not_run_again_and_its_frames_not_sent_alone(proxy):
    proxy.canned_status = [{"status": "FAILED", "error": "Invalid input: 'frame_data' is not a list."}]
    results = describe_frames(distinct_jpegs(2), endpoint_url=proxy.url, batch_size=2, options=FAST)
    assert len(proxy.job_inputs) == 1
    assert [r.code for r in results] == [JOB_FAILED, JOB_FAILED]
    assert results[0].error.startswith("job failed: Invalid input: ")


def test_a_job_that_failed_without_the_marker_is_run_again(proxy, api_server):
    frames = distinct_jpegs(2)
    proxy.canned_status = [{"status": "FAILED", "error": "The job has 80 frames; at most 64 are allowed."}]
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, options=FAST)
    assert len(proxy.job_inputs) == 2
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


# ---------------------------------------------------------------- 5: answers it did not expect


def test_a_status_that_is_not_a_string_is_polled_again_and_the_job_completes(proxy, api_server):
    frames = distinct_jpegs(2)
    proxy.canned_status = [{"status": ["COMPLETED"]}, {"status": None}, ["COMPLETED"]]
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, options=FAST)
    assert len(proxy.job_inputs) == 1
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


def test_an_output_without_failed_indices_or_errors_still_settles_every_frame(proxy, api_server):
    (good,) = distinct_jpegs(1)
    proxy.output_rewrites = [without("failed_indices", "errors", "error_codes")]
    results = describe_frames([good, b"not an image"], endpoint_url=proxy.url, batch_size=2, options=FAST)
    assert len(proxy.job_inputs) == 1
    assert results[0].description == describe_alone(api_server, good)
    assert (results[1].ok, results[1].code) == (False, EMPTY_DESCRIPTION)


def test_an_output_that_breaks_the_contract_costs_the_job_an_attempt_not_the_run(proxy, api_server):
    frames = distinct_jpegs(3)
    proxy.output_rewrites = [without("descriptions")]  # the first job's first answer only
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, concurrency=1, options=FAST)
    assert len(proxy.job_inputs) == 3  # the broken job twice, the other once
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


def test_a_job_whose_every_answer_breaks_the_contract_fails_only_its_frames(proxy):
    proxy.output_rewrites = [lambda output: "not an object"] * 2  # both attempts of the first job
    results = describe_frames(
        distinct_jpegs(3), endpoint_url=proxy.url, batch_size=2, concurrency=1, options=FAST
    )
    assert [r.code for r in results] == [JOB_FAILED, JOB_FAILED, None]
    assert results[0].error.startswith("malformed output from the endpoint")
    assert results[2].ok


# ---------------------------------------------------------------- 6: a 200 that is not JSON


def test_a_status_answer_that_is_not_json_is_polled_again_not_resubmitted(proxy, api_server):
    frames = distinct_jpegs(2)
    proxy.canned_status = [b"<html><body>502 Bad Gateway</body></html>"] * 3
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, options=FAST)
    assert len(proxy.job_inputs) == 1
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


def test_status_answers_that_stay_unusable_end_the_attempt_after_the_configured_number(proxy):
    options = replace(FAST, max_unusable_answers=3, job_retries=0)
    proxy.canned_status = [b"<html></html>"] * 3
    (result,) = describe_frames(distinct_jpegs(1), endpoint_url=proxy.url, options=options)
    assert len(proxy.job_inputs) == 1
    assert proxy.canned_status == []
    assert result.code == JOB_FAILED and "3 times in a row" in result.error


# ---------------------------------------------------------------- 7: outages and stuck jobs


def test_an_outage_shorter_than_the_outage_window_loses_no_frame(proxy, api_server):
    frames = distinct_jpegs(8)
    proxy.outage_at_status = 1  # down as the first job finishes, its answer lost with it
    proxy.outage_for_s = 2.5
    options = replace(FAST, outage_s=10.0)
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, concurrency=2, options=options)
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


def test_an_endpoint_down_for_longer_than_the_outage_window_fails_the_frames_as_unreachable(proxy):
    proxy.outage_at_status = 1
    proxy.outage_for_s = 3.0
    options = replace(FAST, outage_s=0.5, job_retries=0)
    (result,) = describe_frames(distinct_jpegs(1), endpoint_url=proxy.url, options=options)
    assert result.code == ENDPOINT_UNREACHABLE


def test_a_job_stuck_in_the_queue_is_cancelled_at_the_job_timeout_and_run_again_once(proxy):
    proxy.keep_queued = True
    options = replace(FAST, job_timeout_s=1.0)
    results = describe_frames(distinct_jpegs(2), endpoint_url=proxy.url, batch_size=2, options=options)
    assert [r.code for r in results] == [JOB_TIMED_OUT, JOB_TIMED_OUT]
    assert len(proxy.job_inputs) == 2
    assert len(proxy.cancelled) == 2


def test_a_permanently_failed_frame_keeps_its_code_through_the_client(proxy):
    (result,) = describe_frames([b"not an image at all"], endpoint_url=proxy.url, options=FAST)
    assert result.code == NOT_AN_IMAGE


def test_an_error_in_the_client_stops_the_run_but_keeps_every_frame_that_settled(proxy):
    calls = []

    def progress(count: int) -> None:
        calls.append(count)
        if len(calls) == 2:
            raise RuntimeError("the progress bar broke")

    results = describe_frames(
        distinct_jpegs(3),
        endpoint_url=proxy.url,
        batch_size=1,
        concurrency=1,
        on_progress=progress,
        options=FAST,
    )
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].code == RUN_ABORTED and "the progress bar broke" in results[2].error
