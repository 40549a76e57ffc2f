"""The client's parts on their own, without a server: frames, jobs, endpoints, failures, folders."""

from __future__ import annotations

import json

import pytest

from frame_client import ClientOptions, ConfigError, FrameResult, to_output
from frame_client.cli import expand_frames
from frame_client.failures import frame_may_recover
from frame_client.frames import BASE64, URL, Frame, FrameLoadError, load_frame
from frame_client.jobs import JobAsk, job_input, plan_jobs
from frame_client.transport import resolve_endpoint
from frame_contract.codes import WORKER_CODES
from frame_contract.output import is_invalid_input
from testkit.images import distinct_jpegs


@pytest.mark.parametrize("code", sorted(WORKER_CODES))
def test_the_client_retries_a_frame_exactly_when_the_workers_code_is_retryable(code):
    assert frame_may_recover(code) is WORKER_CODES[code].retryable


def test_a_frame_without_a_code_or_with_one_the_client_does_not_know_is_not_retried():
    assert not frame_may_recover(None)
    assert not frame_may_recover("a_code_from_a_newer_worker")


def test_only_a_job_error_with_the_invalid_input_marker_counts_as_a_rejected_request():
    assert is_invalid_input("Invalid input: 'frame_urls' is empty: send at least one frame.")
    assert not is_invalid_input("Internal error while describing frames: RuntimeError.")
    assert not is_invalid_input("Job ID not found")
    assert not is_invalid_input("The job has 80 frames; at most 64 are allowed.")  # no marker: transient
    assert not is_invalid_input(None)


def test_the_same_bytes_give_the_same_key_whatever_form_they_come_in(tmp_path):
    (data,) = distinct_jpegs(1)
    path = tmp_path / "a.jpg"
    path.write_bytes(data)
    keys = {
        load_frame(data).key,
        load_frame(path).key,
        load_frame(str(path)).key,
        load_frame(bytearray(data)).key,
    }
    assert len(keys) == 1
    assert load_frame("https://cdn.example.com/a.jpg").kind == URL


def test_a_frame_that_cannot_be_read_here_says_why(tmp_path):
    with pytest.raises(FrameLoadError, match="cannot read"):
        load_frame(tmp_path / "missing.jpg")
    with pytest.raises(FrameLoadError, match="only http"):
        load_frame("ftp://example.com/a.jpg")
    with pytest.raises(FrameLoadError, match="empty"):
        load_frame(b"")


def _frame(name: str, kind: str = BASE64, size: int = 100) -> Frame:
    return Frame(key=name, kind=kind, payload_bytes=size, data=b"x", url=f"https://x/{name}")


def test_jobs_hold_one_kind_of_frame_each_in_input_order():
    frames = [_frame("a"), _frame("u1", URL), _frame("b"), _frame("u2", URL), _frame("c"), _frame("d")]
    plan = plan_jobs(frames, batch_size=2)
    assert [[f.key for f in job.frames] for job in plan.jobs] == [["a", "b"], ["u1", "u2"], ["c", "d"]]
    assert all(len({f.kind for f in job.frames}) == 1 for job in plan.jobs)


def test_jobs_stay_under_the_payload_limit_and_an_oversized_frame_is_reported():
    frames = [_frame("a", size=500), _frame("b", size=500), _frame("huge", size=5000), _frame("c", size=500)]
    plan = plan_jobs(frames, batch_size=10, max_payload_bytes=1000)
    assert [[f.key for f in job.frames] for job in plan.jobs] == [["a"], ["b"], ["c"]]
    assert [frame.key for frame, _ in plan.too_large] == ["huge"]
    for job in plan.jobs:
        body = json.dumps({"input": job_input(job.kind, ["x" * f.payload_bytes for f in job.frames])})
        assert len(body) <= 1000


def test_local_frames_go_as_bare_base64_and_urls_pass_through():
    assert job_input(BASE64, ["QUJD"]) == {"frame_data": ["QUJD"], "format": "base64"}
    assert job_input(URL, ["https://x/a.jpg"], JobAsk(prompt="p")) == {
        "frame_urls": ["https://x/a.jpg"],
        "prompt": "p",
    }


def test_a_fields_run_asks_every_job_for_fields_and_a_text_run_leaves_the_default():
    assert job_input(URL, ["u"], JobAsk(output="fields"))["output"] == "fields"
    assert "output" not in job_input(URL, ["u"], JobAsk(max_new_tokens=80))


def test_the_endpoint_defaults_to_the_hosted_api_with_the_id_and_key_from_the_environment():
    config = resolve_endpoint(env={"RUNPOD_VISION_ENDPOINT_ID": "abc123", "RUNPOD_API_KEY": "k"})
    assert (config.url, config.api_key) == ("https://api.runpod.ai/v2/abc123", "k")


def test_an_endpoint_url_copied_with_its_run_route_is_trimmed_to_the_base():
    config = resolve_endpoint("https://api.runpod.ai/v2/abc123/run/", "k", env={})
    assert config.url == "https://api.runpod.ai/v2/abc123"


def test_a_local_endpoint_needs_no_key_and_a_hosted_one_does():
    assert resolve_endpoint("http://127.0.0.1:8000", env={}).api_key is None
    with pytest.raises(ConfigError, match="RUNPOD_API_KEY"):
        resolve_endpoint("https://api.runpod.ai/v2/abc123", env={})
    with pytest.raises(ConfigError, match="RUNPOD_VISION_ENDPOINT_ID"):
        resolve_endpoint(env={})


def test_a_folder_stands_for_its_images_sorted_by_name_with_numbers_as_numbers(tmp_path):
    for name in ["f_10.jpg", "f_2.png", "f_1.JPG", "notes.txt", "f_3.webp"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    names = [p.split("/")[-1] for p in expand_frames([str(tmp_path), "https://x/last.jpg"])]
    assert names == ["f_1.JPG", "f_2.png", "f_3.webp", "f_10.jpg", "last.jpg"]


def test_a_glob_expands_to_its_files_in_name_order(tmp_path):
    for name in ["b_10.jpg", "b_9.jpg", "a.jpg"]:
        (tmp_path / name).write_bytes(b"x")
    assert [p.split("/")[-1] for p in expand_frames([str(tmp_path / "b_*.jpg")])] == ["b_9.jpg", "b_10.jpg"]


def test_the_output_has_the_workers_shape_with_an_empty_string_for_a_failed_frame():
    failed = FrameResult(error="HTTP 404 from x", code="not_found")
    output = to_output([FrameResult(description="Wide shot."), failed])
    assert output == {
        "descriptions": ["Wide shot.", ""],
        "failed_indices": [1],
        "errors": ["HTTP 404 from x"],
        "error_codes": ["not_found"],
        "count": 2,
    }


def test_client_options_out_of_range_are_refused_before_any_request():
    assert ClientOptions(outage_s=0).outage_s == 0
    for bad in (dict(outage_s=-1), dict(job_timeout_s=0), dict(max_unusable_answers=0), dict(outage_s="120")):
        with pytest.raises(ConfigError):
            ClientOptions(**bad)
