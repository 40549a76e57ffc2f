"""The client end to end: `describe_frames` against the real worker behind `--rp_serve_api`.

Every description is checked against the same frame described alone, by a raw job that does
not go through the client. Misbehaviour comes from a loopback proxy in front of the real API
(`client_proxy.py`) or from the loopback frame server, never from mocks of the client.
"""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from frame_client import EndpointError, describe_frames
from testkit.client_proxy import ApiProxy
from testkit.client_support import FAST, describe_alone
from testkit.images import distinct_jpegs, encode


@pytest.fixture
def proxy(api_server):
    proxy = ApiProxy(api_server)
    yield proxy
    proxy.close()


@pytest.fixture
def hosted_proxy(api_server):
    proxy = ApiProxy(api_server, hosted_key="test-key")
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def mixed_run(api_server, frame_server_session, tmp_path_factory):
    """Thirty frames of every kind, good and bad, shuffled, described in one call.

    Returns the results and, per position, what is expected there: the bytes whose alone
    description it must equal, or the start of the reason it must fail with.
    """
    server = frame_server_session
    server.reset()
    folder = tmp_path_factory.mktemp("frames")
    good = distinct_jpegs(20)
    entries: list[tuple[object, tuple[str, object]]] = []
    for data in good[:8]:
        entries.append((data, ("ok", data)))
    for i, data in enumerate(good[8:13]):
        path = folder / f"good{i}.jpg"
        path.write_bytes(data)
        entries.append((path, ("ok", data)))
    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in good[13:16]]
    for image in images:
        entries.append((image, ("ok", encode(image, "PNG"))))
    for i, data in enumerate(good[16:20]):
        entries.append((server.add(f"/mixed/{i}.jpg", data), ("ok", data)))
    # The same frames again, in other forms: bytes of a file, a URL, bytes, a copy of an image.
    entries.append((good[8], ("ok", good[8])))
    entries.append((images[0].copy(), ("ok", encode(images[0], "PNG"))))
    entries.append((server.url("/mixed/0.jpg"), ("ok", good[16])))
    entries.append((good[0], ("ok", good[0])))
    text_file = folder / "notes.jpg"
    text_file.write_text("shot list: wide, close-up, wide")
    entries += [
        (b"\x00\x01 definitely not an image", ("fail", "not an image")),
        (good[3][: len(good[3]) // 3], ("fail", "broken image")),
        (text_file, ("fail", "not an image")),
        (server.url("/mixed/missing.jpg"), ("fail", "HTTP 404 from 127.0.0.1")),
        (folder / "no-such-frame.jpg", ("fail", "cannot read")),
        (server.url("/mixed/also-missing.jpg"), ("fail", "HTTP 404 from 127.0.0.1")),
    ]
    random.Random(5).shuffle(entries)
    frames = [frame for frame, _ in entries]
    results = describe_frames(frames, endpoint_url=api_server, batch_size=4, concurrency=4, options=FAST)
    return results, [expected for _, expected in entries]


def test_each_description_equals_that_frame_described_alone(mixed_run, api_server):
    results, expected = mixed_run
    assert len(results) == len(expected) == 30
    for index, (result, (kind, value)) in enumerate(zip(results, expected, strict=True)):
        if kind == "ok":
            assert result.error is None, (index, result)
            assert result.description == describe_alone(api_server, value), index


def test_failures_land_on_their_own_frames_with_their_reasons(mixed_run):
    results, expected = mixed_run
    failed = {i: r.error for i, r in enumerate(results) if not r.ok}
    wanted = {i: value for i, (kind, value) in enumerate(expected) if kind == "fail"}
    assert sorted(failed) == sorted(wanted)
    for index, reason in wanted.items():
        assert failed[index].startswith(reason), (index, failed[index])
        assert results[index].description is None


def test_identical_frames_are_sent_to_the_worker_once(proxy, frame_server, tmp_path):
    a, b, c = distinct_jpegs(3)
    path = tmp_path / "a.jpg"
    path.write_bytes(a)
    url = frame_server.add("/same.jpg", c)
    frames = [a, b, path, a, url, b, url, bytearray(a)]
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, concurrency=2, options=FAST)
    assert len(proxy.frames_sent()) == 3
    assert frame_server.count("/same.jpg") == 1
    assert all(r.ok for r in results)
    assert results[0] == results[2] == results[3] == results[7]
    assert results[1] == results[5] and results[4] == results[6]


def test_a_job_whose_result_is_lost_is_run_again(proxy, api_server):
    # The worker runs the job, but its answer never reaches the client (a 502 from the
    # gateway); asking again, the local API no longer knows the job: FAILED "Job ID not found".
    frames = distinct_jpegs(3)
    proxy.lose_responses = 1
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=3, concurrency=1, options=FAST)
    assert len(proxy.job_inputs) == 2
    assert proxy.job_inputs[0] == proxy.job_inputs[1]
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


def test_a_frame_that_fails_for_a_transient_reason_is_sent_again_alone(proxy, frame_server, api_server):
    good, flaky = distinct_jpegs(2)
    # 503 three times: the worker's own tries (1 + FETCH_RETRIES=2) all fail, the fourth works.
    flaky_url = frame_server.add("/flaky.jpg", flaky, fail_times=3)
    frames = [frame_server.add("/good.jpg", good), flaky_url]
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=2, concurrency=1, options=FAST)
    assert [body["frame_urls"] for body in proxy.job_inputs] == [frames, [flaky_url]]
    assert frame_server.count("/flaky.jpg") == 4
    assert results[1].description == describe_alone(api_server, flaky)


def test_a_frame_that_fails_for_a_permanent_reason_is_not_sent_again(proxy, frame_server):
    (good,) = distinct_jpegs(1)
    frames = [frame_server.add("/good.jpg", good), frame_server.url("/gone.jpg"), b"not an image"]
    results = describe_frames(frames, endpoint_url=proxy.url, batch_size=4, concurrency=1, options=FAST)
    assert [r.ok for r in results] == [True, False, False]
    assert frame_server.count("/gone.jpg") == 1
    assert len(proxy.job_inputs) == 2  # one job per kind, no retries


def test_the_pool_keeps_the_configured_number_of_jobs_in_flight(proxy):
    # The proxy holds the first job-running status calls until three are in flight at once:
    # a pool that keeps fewer never gets there, one that keeps more goes past it.
    proxy.barrier = 3
    results = describe_frames(
        distinct_jpegs(12), endpoint_url=proxy.url, batch_size=2, concurrency=3, options=FAST
    )
    assert all(r.ok for r in results)
    assert len(proxy.job_inputs) == 6
    assert proxy.max_in_flight == 3


def test_a_new_job_starts_as_soon_as_one_ends_not_in_waves(proxy):
    # Five jobs, two slots: the proxy holds the first job until the other four have finished,
    # which only a rolling pool achieves (waves would wait for the held job after one more).
    proxy.hold_first_job_until = 4
    results = describe_frames(
        distinct_jpegs(5), endpoint_url=proxy.url, batch_size=1, concurrency=2, options=FAST
    )
    assert all(r.ok for r in results)
    assert proxy.finished_while_held == 4


def test_a_hosted_endpoint_is_polled_with_get_and_the_key_until_the_job_completes(hosted_proxy, api_server):
    frames = distinct_jpegs(4)
    results = describe_frames(
        frames, endpoint_url=hosted_proxy.url, api_key="test-key", batch_size=2, concurrency=2, options=FAST
    )
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]
    assert set(hosted_proxy.status_methods) == {"GET"}
    assert len(hosted_proxy.status_methods) >= 4  # IN_QUEUE first, then COMPLETED, for both jobs


def test_a_refused_api_key_stops_the_run_with_a_clear_error(hosted_proxy):
    with pytest.raises(EndpointError, match="refused the API key") as refused:
        describe_frames(distinct_jpegs(2), endpoint_url=hosted_proxy.url, api_key="wrong", options=FAST)
    assert hosted_proxy.job_inputs == []
    assert [r.code for r in refused.value.results] == ["run_aborted", "run_aborted"]


def test_a_custom_prompt_reaches_the_worker(proxy, api_server):
    (frame,) = distinct_jpegs(1)
    prompt = "Read any text overlay. If there is no text, say 'No text overlay detected'."
    (result,) = describe_frames([frame], endpoint_url=proxy.url, prompt=prompt, options=FAST)
    assert proxy.job_inputs[0]["prompt"] == prompt
    assert result.description == describe_alone(api_server, frame, prompt)
