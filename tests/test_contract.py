"""The output contract of issue #2, through the real handler on the tiny model."""

from __future__ import annotations

from tests.images import b64, data_uri, distinct_jpegs, jpeg


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
