"""The resume file: every settled frame is kept as it settles, and a rerun sends only what is missing."""

from __future__ import annotations

import hashlib
import json
import signal
import time

import pytest

from frame_client import ConfigError, EndpointError, FrameResult, describe_frames
from frame_client.jobs import JobAsk
from frame_client.resume import ResumeFile
from frame_client.scenes import describe_shots
from frame_client.shots import ShotFrames
from frame_contract.codes import RUN_ABORTED
from testkit.client_proxy import ApiProxy, fail_each_with
from testkit.client_support import FAST, describe_alone
from testkit.commands import run_command, start_command
from testkit.images import distinct_jpegs
from testkit.scripted_endpoint import ScriptedEndpoint, description_of, frame_bytes


@pytest.fixture
def proxy(api_server):
    proxy = ApiProxy(api_server)
    yield proxy
    proxy.close()


def test_a_rerun_with_the_resume_file_sends_only_the_frames_still_missing(proxy, api_server, tmp_path):
    frames = distinct_jpegs(6)
    journal = tmp_path / "run.jsonl"
    # The first run: the second job's frames fail retryably, alone too, so the run ends with two missing.
    same, fail_one = (lambda output: output), fail_each_with(["gpu_failure"])
    proxy.output_rewrites = [same, fail_each_with(["gpu_failure", "gpu_failure"]), same, fail_one, fail_one]
    first = describe_frames(
        frames, endpoint_url=proxy.url, batch_size=2, concurrency=1, options=FAST, resume=journal
    )
    assert [r.ok for r in first] == [True, True, False, False, True, True]
    sent_before = len(proxy.frames_sent())
    results = describe_frames(
        frames, endpoint_url=proxy.url, batch_size=2, concurrency=1, options=FAST, resume=journal
    )
    assert proxy.frames_sent()[sent_before:] == proxy.job_inputs[1]["frame_data"]
    assert [r.description for r in results] == [describe_alone(api_server, f) for f in frames]


def test_every_settled_frame_is_in_the_resume_file_keyed_by_its_content(proxy, tmp_path):
    frames = [*distinct_jpegs(3), b"not an image"]
    journal = tmp_path / "run.jsonl"
    results = describe_frames([*frames, frames[0]], endpoint_url=proxy.url, options=FAST, resume=journal)
    header, *entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert header == {"resume": 1, "prompt": None, "max_new_tokens": None}
    assert len(entries) == 4  # the repeated frame once
    by_key = {entry["key"]: entry for entry in entries}
    for frame, result in zip(frames, results, strict=False):
        entry = by_key[f"sha256:{hashlib.sha256(frame).hexdigest()}"]
        assert (entry["description"], entry["error"], entry["code"]) == (
            result.description,
            result.error,
            result.code,
        )


def test_a_torn_last_line_is_skipped_and_the_next_entry_starts_on_a_line_of_its_own(tmp_path):
    journal = tmp_path / "run.jsonl"
    header = {"resume": 1, "prompt": None, "max_new_tokens": None}
    entry = {"key": "sha256:aa", "description": "Wide shot.", "error": None, "code": None}
    journal.write_text(f"{json.dumps(header)}\n{json.dumps(entry)}\n" + '{"key": "sha256:bb", "descr')
    resume = ResumeFile(journal, JobAsk())
    assert resume.done == {"sha256:aa": FrameResult(description="Wide shot.")}
    resume.record("sha256:cc", FrameResult(description="Close-up."))
    resume.close()
    assert set(ResumeFile(journal, JobAsk()).done) == {"sha256:aa", "sha256:cc"}


def test_a_frame_that_only_ever_failed_retryably_is_not_settled(tmp_path):
    journal = tmp_path / "run.jsonl"
    resume = ResumeFile(journal, JobAsk())
    resume.record("sha256:aa", FrameResult(error="out of GPU memory", code="out_of_gpu_memory"))
    resume.record("sha256:bb", FrameResult(error="out of GPU memory", code="out_of_gpu_memory"))
    resume.record("sha256:bb", FrameResult(description="Close-up."))
    resume.close()
    assert set(ResumeFile(journal, JobAsk()).done) == {"sha256:bb"}


def test_a_resume_file_written_for_another_prompt_is_refused(tmp_path):
    journal = tmp_path / "run.jsonl"
    ResumeFile(journal, JobAsk()).close()
    with pytest.raises(ConfigError, match="another prompt"):
        ResumeFile(journal, JobAsk(prompt="Read the text overlay."))


def test_refusing_a_resume_file_names_what_differs_without_echoing_the_prompt(tmp_path):
    journal = tmp_path / "run.jsonl"
    ResumeFile(journal, JobAsk(prompt="secret brief for the client")).close()
    with pytest.raises(ConfigError) as refused:
        ResumeFile(journal, JobAsk(prompt="Read the text overlay."))
    assert "secret brief" not in str(refused.value) and "Read the text" not in str(refused.value)


def test_a_scenes_rerun_with_the_resume_file_sends_no_shot_already_described(proxy, tmp_path):
    frames = distinct_jpegs(4)
    shots = [ShotFrames((0, 1), 0, (1,)), ShotFrames((2, 3), 2, (3,))]
    journal = tmp_path / "run.jsonl"
    first = describe_shots(frames, shots, endpoint_url=proxy.url, options=FAST, resume=journal)
    sent_before = len(proxy.frames_sent())
    again = describe_shots(frames, shots, endpoint_url=proxy.url, options=FAST, resume=journal)
    assert len(proxy.frames_sent()) == sent_before == 2
    assert again == first and all(r.ok for r in again)


def test_a_refused_scenes_run_still_answers_every_frame(api_server):
    hosted = ApiProxy(api_server, hosted_key="test-key")
    shots = [ShotFrames((0, 1), 0, (1,)), ShotFrames((2,), 2)]
    try:
        with pytest.raises(EndpointError) as refused:
            describe_shots(distinct_jpegs(3), shots, endpoint_url=hosted.url, api_key="wrong", options=FAST)
    finally:
        hosted.close()
    assert [r.code for r in refused.value.results] == [RUN_ABORTED] * 3


def test_a_frame_failed_with_a_code_no_retry_can_change_is_settled(tmp_path):
    journal = tmp_path / "run.jsonl"
    resume = ResumeFile(journal, JobAsk())
    resume.record("sha256:aa", FrameResult(error="not a JPEG, PNG, ...", code="not_an_image"))
    resume.record("sha256:bb", FrameResult(error="interrupted", code=RUN_ABORTED))
    resume.close()
    assert ResumeFile(journal, JobAsk()).done == {
        "sha256:aa": FrameResult(error="not a JPEG, PNG, ...", code="not_an_image")
    }


def test_a_description_settles_a_frame_whatever_the_other_lines_say(tmp_path):
    journal = tmp_path / "run.jsonl"
    resume = ResumeFile(journal, JobAsk())
    resume.record("sha256:aa", FrameResult(error="empty", code="empty_description"))
    resume.record("sha256:aa", FrameResult(description="Close-up."))
    resume.record("sha256:aa", FrameResult(error="empty", code="empty_description"))
    resume.close()
    assert ResumeFile(journal, JobAsk()).done == {"sha256:aa": FrameResult(description="Close-up.")}


def test_a_command_killed_mid_run_is_finished_by_a_rerun_that_sends_no_settled_frame(tmp_path):
    names = [f"f{i}" for i in range(6)]
    paths = []
    for name in names:
        paths.append(tmp_path / f"{name}.jpg")
        paths[-1].write_bytes(frame_bytes(name))
    journal = tmp_path / "run.jsonl"
    flags = ["--batch-size", "1", "--concurrency", "1", "--no-progress", "--resume", str(journal)]
    # The first endpoint describes two frames, then keeps every later job running.
    stuck = {"time_scale": 0.01, "frames": names, "endpoint": {"jobs": [{}, {}], "job": {"final": None}}}
    with ScriptedEndpoint(stuck) as first:
        command = start_command(*map(str, paths), "--endpoint-url", first.url, "--time-scale", "0.01", *flags)
        try:
            wait_for_lines(journal, 3)  # the header and two settled frames
        finally:
            command.send_signal(signal.SIGKILL)
            command.wait()
    with journal.open("a") as file:  # as if it had died while writing the next line
        file.write('{"key": "sha256:')
    with ScriptedEndpoint({"time_scale": 0.01, "frames": names}) as second:
        done = run_command(
            *map(str, paths), "--endpoint-url", second.url, "--output", str(tmp_path / "o.json"), *flags
        )
    assert done.returncode == 0, done.stderr
    assert second.stats.sent == names[2:]
    output = json.loads((tmp_path / "o.json").read_text())
    assert output["descriptions"] == [description_of(name) for name in names]


def wait_for_lines(path, count: int) -> None:
    """Until `path` holds `count` complete lines; the endpoint's own pace, not a guess at it."""
    deadline = time.monotonic() + 60
    while not (path.exists() and path.read_text().count("\n") >= count):
        assert time.monotonic() < deadline, "the command never wrote its resume file"
        time.sleep(0.02)
