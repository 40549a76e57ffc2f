"""Hostile and flaky frame sources: each fails its own frame, with a reason, within the limits.

Fetches go to the real loopback frame server with small limits built here, so no test
changes the worker's settings. Address refusal has its own file, `test_addresses.py`.
"""

from __future__ import annotations

import gzip
import time

import pytest

from frame_contract.output import INVALID_INPUT
from frame_describer.download import MAX_REDIRECTS
from frame_describer.errors import FetchError
from frame_describer.job_input import FrameEntry
from frame_describer.sources import FetchLimits, fetch_frame_bytes
from testkit.images import b64, data_uri, jpeg

LIMITS = FetchLimits(max_bytes=1_000_000, deadline_s=5.0, retries=2)
SHORT_DEADLINE = FetchLimits(max_bytes=1_000_000, deadline_s=1.0, retries=2)
# A sanity bound on "stopped at the deadline", not a timing measurement.
GRACE_S = 5.0
IMAGE = jpeg(size=(64, 36))


def fetch(value, kind: str = "url", limits: FetchLimits = LIMITS) -> bytes:
    return fetch_frame_bytes(FrameEntry(kind, value), limits)


def reason(value, kind: str = "url", limits: FetchLimits = LIMITS) -> str:
    with pytest.raises(FetchError) as failure:
        fetch(value, kind, limits)
    return str(failure.value)


# --- what an entry may be ---------------------------------------------------------------


@pytest.mark.parametrize("entry", [None, 7, 2.5, True, [], {"url": "http://127.0.0.1/"}])
def test_a_frame_entry_that_is_not_a_string_fails_with_its_type(entry):
    assert reason(entry).startswith("frame entry must be a string, not ")


@pytest.mark.parametrize("entry", ["", "   ", "\n\t"])
def test_an_empty_frame_entry_fails(entry):
    assert reason(entry) == "frame entry is an empty string"


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://127.0.0.1/frame.jpg", "scheme 'ftp'"),
        ("gopher://127.0.0.1:70/", "scheme 'gopher'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("frame.jpg", "no scheme"),
        ("//127.0.0.1/frame.jpg", "no scheme"),
    ],
)
def test_only_http_urls_and_data_uris_are_fetched(entry, shown):
    assert reason(entry) == f"not an http(s) URL or data: URI ({shown})"


@pytest.mark.parametrize("entry", ["http://[::1/frame.jpg", "http://127.0.0.1:99999/frame.jpg"])
def test_a_malformed_url_fails_as_malformed(entry):
    assert reason(entry) == "malformed URL"


# --- base64 and data: URIs --------------------------------------------------------------


def test_base64_that_does_not_decode_fails_its_frame():
    # A lenient decoder would skip the "@"s and return three bytes of a JPEG header.
    assert reason("@@@@/9j/4AAQ", kind="base64") == "invalid base64 data"


def test_a_data_uri_that_is_not_base64_fails():
    assert reason("data:image/jpeg,rawbytes") == "data: URI must be base64-encoded"


def test_base64_over_the_byte_cap_is_refused_before_decoding():
    small = FetchLimits(max_bytes=1000, deadline_s=5.0, retries=0)
    assert reason(b64(b"x" * 5000), kind="base64", limits=small) == "frame is larger than the 1000-byte cap"


def test_a_data_uri_over_the_byte_cap_is_refused():
    small = FetchLimits(max_bytes=1000, deadline_s=5.0, retries=0)
    assert reason(data_uri(b"x" * 5000), limits=small) == "frame is larger than the 1000-byte cap"


def test_base64_with_line_breaks_and_missing_padding_still_decodes():
    text = b64(IMAGE).rstrip("=")
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert fetch(wrapped, kind="base64") == IMAGE


# --- redirects --------------------------------------------------------------------------


def redirect_chain(server, hops: int, final: str) -> str:
    """`hops` redirects in a row ending at `final`; returns the first URL."""
    target = final
    for hop in reversed(range(hops)):
        target = server.add(f"/hop{hop}", status=302, redirect_to=target)
    return target


def test_a_few_redirects_are_followed(frame_server):
    image = frame_server.add("/frame.jpg", IMAGE)
    assert fetch(redirect_chain(frame_server, MAX_REDIRECTS, image)) == IMAGE


def test_one_redirect_too_many_fails_before_the_image_is_requested(frame_server):
    image = frame_server.add("/frame.jpg", IMAGE)
    assert (
        reason(redirect_chain(frame_server, MAX_REDIRECTS + 1, image))
        == f"more than {MAX_REDIRECTS} redirects"
    )
    assert frame_server.count("/frame.jpg") == 0


def test_a_redirect_loop_fails_after_a_bounded_number_of_requests(frame_server):
    frame_server.add("/a", status=302, redirect_to=frame_server.url("/b"))
    frame_server.add("/b", status=302, redirect_to=frame_server.url("/a"))
    assert reason(frame_server.url("/a")) == f"more than {MAX_REDIRECTS} redirects"
    assert len(frame_server.requests) == MAX_REDIRECTS + 1


def test_a_redirect_to_a_file_url_is_refused(frame_server):
    url = frame_server.add("/to-file", status=302, redirect_to="file:///etc/passwd")
    assert reason(url) == "refused: redirect to a scheme other than http(s)"


# --- the whole-transfer deadline ---------------------------------------------------------


def test_a_server_dripping_one_byte_at_a_time_is_cut_off_at_the_deadline(frame_server):
    # 100 bytes at 0.2 s each would take 20 s; every single read is far inside any read timeout.
    url = frame_server.add("/drip.jpg", IMAGE[:100], drip_s=0.2)
    started = time.monotonic()
    assert reason(url, limits=SHORT_DEADLINE) == "download from 127.0.0.1 exceeded the 1 s deadline"
    assert time.monotonic() - started < SHORT_DEADLINE.deadline_s + GRACE_S


def test_a_server_that_never_sends_headers_is_cut_off_at_the_deadline(frame_server):
    url = frame_server.add("/silent.jpg", IMAGE, delay_s=4.0)
    assert reason(url, limits=SHORT_DEADLINE) == "download from 127.0.0.1 exceeded the 1 s deadline"


def test_slow_redirect_hops_share_one_deadline(frame_server):
    # Each hop answers well inside the deadline on its own; the second one ends past it, so
    # the hops after it must never be requested.
    image = frame_server.add("/frame.jpg", IMAGE, delay_s=0.7)
    first = redirect_chain(frame_server, MAX_REDIRECTS, image)
    for hop in range(MAX_REDIRECTS):
        frame_server.routes[f"/hop{hop}"].delay_s = 0.7
    assert reason(first, limits=SHORT_DEADLINE) == "download from 127.0.0.1 exceeded the 1 s deadline"
    assert frame_server.count("/hop2") == 0 and frame_server.count("/frame.jpg") == 0


# --- the size cap -----------------------------------------------------------------------


def test_a_declared_length_over_the_cap_is_refused_without_reading_the_body(frame_server):
    url = frame_server.add("/huge.jpg", IMAGE, headers={"Content-Length": str(10**9)})
    assert reason(url) == "frame is larger than the 1000000-byte cap"


def test_a_body_without_a_declared_length_is_capped_while_streaming(frame_server):
    url = frame_server.add("/stream.jpg", b"\xff" * 300_000, chunked=True)
    small = FetchLimits(max_bytes=100_000, deadline_s=5.0, retries=0)
    assert reason(url, limits=small) == "frame is larger than the 100000-byte cap"


def test_a_chunked_body_within_the_cap_arrives_whole(frame_server):
    url = frame_server.add("/stream.jpg", IMAGE, chunked=True)
    assert fetch(url) == IMAGE


def test_an_empty_body_fails_its_frame(frame_server):
    url = frame_server.add("/empty.jpg", b"")
    assert reason(url) == "empty body from 127.0.0.1"


def test_a_compressed_transfer_is_refused_rather_than_inflated(frame_server):
    url = frame_server.add("/frame.jpg", gzip.compress(IMAGE), headers={"Content-Encoding": "gzip"})
    assert reason(url) == "compressed transfer (gzip) from 127.0.0.1 is not accepted"


# --- retries ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_transient_http_status_is_retried_until_the_frame_arrives(frame_server, status):
    url = frame_server.add("/flaky.jpg", IMAGE, fail_times=2, fail_status=status)
    assert fetch(url) == IMAGE
    assert frame_server.count("/flaky.jpg") == 3


def test_a_reset_connection_is_retried(frame_server):
    url = frame_server.add("/reset.jpg", IMAGE, reset_times=1)
    assert fetch(url) == IMAGE
    assert frame_server.count("/reset.jpg") == 2


def test_a_body_cut_off_midway_is_retried_and_then_fails_with_its_reason(frame_server):
    cut_short = {"Content-Length": str(len(IMAGE) + 1000), "Connection": "close"}
    url = frame_server.add("/cut.jpg", IMAGE, headers=cut_short)
    assert reason(url) == "connection to 127.0.0.1 broke during download"
    assert frame_server.count("/cut.jpg") == 1 + LIMITS.retries


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_other_client_errors_are_not_retried(frame_server, status):
    url = frame_server.add("/nope.jpg", b"<html>no</html>", status=status)
    assert reason(url) == f"HTTP {status} from 127.0.0.1"
    assert frame_server.count("/nope.jpg") == 1


def test_retries_stop_after_the_configured_number(frame_server):
    url = frame_server.add("/down.jpg", IMAGE, fail_times=100, fail_status=500)
    assert reason(url) == "HTTP 500 from 127.0.0.1"
    assert frame_server.count("/down.jpg") == 1 + LIMITS.retries


def test_retries_stop_at_the_deadline(frame_server):
    # Ten retries with backoff would take far longer than the 1 s deadline.
    url = frame_server.add("/down.jpg", IMAGE, fail_times=100, fail_status=503)
    many = FetchLimits(max_bytes=1_000_000, deadline_s=1.0, retries=10)
    assert reason(url, limits=many) == "HTTP 503 from 127.0.0.1"
    assert frame_server.count("/down.jpg") <= 3


def test_a_failed_tls_handshake_fails_as_such_rather_than_as_a_retryable_connection(frame_server):
    # The frame server speaks plain HTTP, so an https URL to it fails in the handshake.
    frame_server.add("/frame.jpg", IMAGE)
    url = frame_server.url("/frame.jpg").replace("http://", "https://")
    assert reason(url) == "TLS handshake with 127.0.0.1 failed"


# --- content is judged by its bytes -----------------------------------------------------


def test_a_jpeg_served_as_html_is_described(run_job, frame_server):
    url = frame_server.add("/frame", IMAGE, headers={"Content-Type": "text/html"})
    output = run_job({"frame_urls": [url]})
    assert output["failed_indices"] == [] and output["descriptions"][0]


def test_an_html_page_served_as_jpeg_fails_as_not_an_image(run_job, frame_server):
    url = frame_server.add(
        "/frame.jpg", b"<html><body>Access denied</body></html>", headers={"Content-Type": "image/jpeg"}
    )
    output = run_job({"frame_urls": [url]})
    assert output["errors"] == ["not an image: cannot identify image file"]


def test_every_kind_of_bad_entry_fails_alone_at_its_index(run_job, frame_server):
    good = frame_server.add("/good.jpg", IMAGE)
    entries = [good, None, 42, "", "frame.jpg", "file:///etc/passwd", good, {"a": 1}, ["x"], "data:,x", good]
    output = run_job({"frame_urls": entries})
    assert output["failed_indices"] == [1, 2, 3, 4, 5, 7, 8, 9]
    assert all(output["descriptions"][i] for i in (0, 6, 10))
    assert all(output["errors"])


def test_the_frames_per_job_limit_holds_for_base64_frames(run_job, handler_module):
    limit = handler_module.SETTINGS.max_frames_per_job
    output = run_job({"frame_data": [b64(IMAGE)] * (limit + 1), "format": "base64"})
    assert output == {"error": f"{INVALID_INPUT}The job has {limit + 1} frames; at most {limit} are allowed."}
