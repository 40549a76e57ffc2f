"""Frame servers that break HTTP or hold a frame without ever sending it, and secrets in URLs.

Raw answers come from the loopback frame server's `raw` routes (`testkit.hostile_frames`),
written byte by byte where no HTTP library would misbehave enough. One deadline holds for the
whole transfer whatever the server does; an answer that breaks HTTP fails as `bad_response`,
at once and without a retry; a URL's query, fragment and user info appear in no error or log.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
from runpod.serverless.utils import rp_ssrf

from frame_contract import codes
from frame_describer.errors import FetchError
from frame_describer.job_input import FrameEntry
from frame_describer.sources import FetchLimits, fetch_frame_bytes
from testkit.hostile_frames import (
    at_once,
    broken_answers,
    dripped_headers,
    dripped_status_line,
    endless_continue,
)
from testkit.images import jpeg

SHORT_DEADLINE = FetchLimits(max_bytes=1_000_000, deadline_s=1.0, retries=2)
LIMITS = FetchLimits(max_bytes=1_000_000, deadline_s=5.0, retries=2)
# A sanity bound on "stopped at the deadline" (each drip below would run 200 s), not a timing.
GRACE_S = 5.0
IMAGE = jpeg(size=(64, 36))
SECRET = "X-Amz-Signature=c2VjcmV0LXNpZ25hdHVyZQ"


def failure(url: str, limits: FetchLimits = LIMITS) -> FetchError:
    with pytest.raises(FetchError) as raised:
        fetch_frame_bytes(FrameEntry("url", url), limits)
    return raised.value


# --- one deadline, whatever the server does before the body ------------------------------


@pytest.mark.parametrize(
    "answer",
    [dripped_status_line(0.2), dripped_headers(0.2), endless_continue(0.2)],
    ids=["status-line-dripped", "headers-dripped", "100-continue-forever"],
)
def test_a_server_that_holds_its_answer_back_times_out_at_the_deadline(frame_server, answer):
    url = frame_server.add("/held.jpg", raw=answer)
    started = time.monotonic()
    error = failure(url, SHORT_DEADLINE)
    assert (str(error), error.code) == ("download from 127.0.0.1 exceeded the 1 s deadline", codes.TIMED_OUT)
    assert time.monotonic() - started < SHORT_DEADLINE.deadline_s + GRACE_S


def test_a_frame_whose_server_drips_its_status_line_fails_alone_and_the_others_are_described(
    run_job, frame_server
):
    good = [frame_server.add(f"/good/{i}.jpg", jpeg(size=(64, 36), label=str(i))) for i in range(7)]
    held = frame_server.add("/held.jpg", raw=dripped_status_line(1.0))
    output = run_job({"frame_urls": [*good[:3], held, *good[3:]]})
    assert output["failed_indices"] == [3]
    assert output["error_codes"] == [codes.TIMED_OUT]
    assert all(text for i, text in enumerate(output["descriptions"]) if i != 3)


def test_a_name_lookup_that_hangs_times_out_at_the_deadline(monkeypatch):
    # A resolver that never answers cannot be had on loopback: this one waits for the test.
    answered = threading.Event()
    monkeypatch.setattr(rp_ssrf, "resolve_and_validate", lambda host, port: answered.wait(30) and [])
    try:
        error = failure("http://frames.example/1.jpg", SHORT_DEADLINE)
    finally:
        answered.set()
    assert (str(error), error.code) == (
        "download from frames.example exceeded the 1 s deadline",
        codes.TIMED_OUT,
    )


# --- answers that break HTTP --------------------------------------------------------------

BROKEN = broken_answers(IMAGE)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_an_answer_that_breaks_http_fails_as_bad_response_without_a_retry(frame_server, name):
    answer, reason = BROKEN[name]
    url = frame_server.add(f"/broken/{name}", raw=at_once(answer))
    error = failure(url)
    assert error.code == codes.BAD_RESPONSE and not codes.is_retryable(error.code)
    assert str(error).startswith(reason)
    assert frame_server.count(f"/broken/{name}") == 1


def test_a_redirect_without_location_fails_as_bad_response_and_does_not_repeat_the_url(frame_server):
    error = failure(frame_server.add(f"/moved.jpg?{SECRET}", status=302))
    assert (str(error), error.code) == ("redirect without Location from 127.0.0.1", codes.BAD_RESPONSE)


def test_a_server_that_closes_without_answering_is_still_a_retryable_connection_failure(frame_server):
    url = frame_server.add("/gone.jpg", raw=at_once(b""))
    assert failure(url).code == codes.CONNECTION_FAILED
    assert frame_server.count("/gone.jpg") == 1 + LIMITS.retries


# --- no secret of a URL in errors or logs ------------------------------------------------


def signed(url: str) -> str:
    """`url` with a signature in its query, a token in its fragment and a password in its user info."""
    return url.replace("http://", "http://frames:hunter2@") + f"?{SECRET}#token=t0k3n"


def test_a_signed_url_that_fails_shows_no_query_fragment_or_user_info_in_errors_or_logs(
    run_job, frame_server, caplog
):
    # The frame server routes on path and query alike: these answer 404 and 302 to the signed URL.
    missing = signed(frame_server.url("/missing.jpg"))
    hop = frame_server.add(f"/hop.jpg?{SECRET}", status=302, redirect_to=missing)
    urls = [missing, hop.replace("http://", "http://frames:hunter2@"), signed("ftp://127.0.0.1/x.jpg")]
    with caplog.at_level(logging.DEBUG):
        output = run_job({"frame_urls": urls})
    assert output["failed_indices"] == [0, 1, 2]
    shown = " ".join(output["errors"]) + caplog.text
    for secret in ("Signature", "t0k3n", "hunter2"):
        assert secret not in shown


def test_a_signed_url_that_is_described_leaves_no_query_in_the_debug_log(run_job, frame_server, caplog):
    url = frame_server.add(f"/frame.jpg?{SECRET}", IMAGE).replace("http://", "http://frames:hunter2@")
    with caplog.at_level(logging.DEBUG):
        output = run_job({"frame_urls": [url]})
    assert output["failed_indices"] == []
    # NOTE: urllib3 would log the request line with its query at DEBUG; the runpod SDK
    # raises its logger to WARNING when imported, and the worker always imports it.
    assert "Signature" not in caplog.text
