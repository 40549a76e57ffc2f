"""`describe-frames` when the run goes wrong: it always writes the JSON it has and exits with its code."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from frame_contract.codes import EMPTY_DESCRIPTION, ENDPOINT_UNREACHABLE, JOB_TIMED_OUT, RUN_ABORTED
from testkit.client_proxy import ApiProxy, without
from testkit.client_support import describe_alone
from testkit.commands import COMMAND, run_command
from testkit.images import distinct_jpegs
from testkit.local_api import free_port

EXIT_FRAMES_FAILED, EXIT_ENDPOINT, EXIT_ABORTED = 1, 3, 4


@pytest.fixture
def proxy(api_server):
    proxy = ApiProxy(api_server)
    yield proxy
    proxy.close()


def frame_folder(tmp_path: Path, frames: list[bytes]) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, data in enumerate(frames):
        (folder / f"frame_{index}.jpg").write_bytes(data)
    return folder


def test_a_run_with_answers_it_did_not_expect_ends_with_its_exit_code_and_the_json(
    proxy, api_server, tmp_path
):
    (good,) = distinct_jpegs(1)
    folder = frame_folder(tmp_path, [good, b"not an image"])
    proxy.canned_status = [{"status": ["COMPLETED"]}, b"<html>gateway</html>"]
    proxy.output_rewrites = [without("failed_indices", "errors", "error_codes")]
    out = tmp_path / "out.json"
    done = run_command(str(folder), "--endpoint-url", proxy.url, "--output", str(out), "--no-progress")
    assert done.returncode == EXIT_FRAMES_FAILED, done.stderr
    assert "Traceback" not in done.stderr
    output = json.loads(out.read_text())
    assert output["descriptions"][0] == describe_alone(api_server, good)
    assert (output["failed_indices"], output["error_codes"]) == ([1], [EMPTY_DESCRIPTION])
    assert len(proxy.job_inputs) == 1


def test_the_job_timeout_bounds_a_job_stuck_in_the_queue(proxy, tmp_path):
    folder = frame_folder(tmp_path, distinct_jpegs(1))
    proxy.keep_queued = True
    done = run_command(str(folder), "--endpoint-url", proxy.url, "--job-timeout", "1", "--no-progress")
    assert done.returncode == EXIT_FRAMES_FAILED, done.stderr
    assert json.loads(done.stdout)["error_codes"] == [JOB_TIMED_OUT]
    assert len(proxy.job_inputs) == 2 and len(proxy.cancelled) == 2


def test_an_endpoint_that_stays_unreachable_fails_the_frames_after_the_outage_window(tmp_path):
    folder = frame_folder(tmp_path, distinct_jpegs(2))
    nothing_there = f"http://127.0.0.1:{free_port()}"
    done = run_command(str(folder), "--endpoint-url", nothing_there, "--outage-s", "0", "--no-progress")
    assert done.returncode == EXIT_FRAMES_FAILED, done.stderr
    assert json.loads(done.stdout)["error_codes"] == [ENDPOINT_UNREACHABLE, ENDPOINT_UNREACHABLE]


def test_a_refused_key_exits_with_its_code_and_still_writes_every_frame(api_server, tmp_path):
    hosted = ApiProxy(api_server, hosted_key="test-key")
    try:
        folder = frame_folder(tmp_path, distinct_jpegs(2))
        done = run_command(str(folder), "--endpoint-url", hosted.url, "--api-key", "wrong", "--no-progress")
    finally:
        hosted.close()
    assert done.returncode == EXIT_ENDPOINT
    assert "refused the API key" in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["error_codes"] == [RUN_ABORTED, RUN_ABORTED]


@pytest.fixture
def killed_run(proxy, tmp_path):
    """A run of four frames, one job at a time, killed (SIGTERM) once the first frame settled."""
    frames = distinct_jpegs(4)
    folder = frame_folder(tmp_path, frames)
    journal, out = tmp_path / "run.jsonl", tmp_path / "out.json"
    proxy.hold_jobs_after = 1  # every job after the first waits for the proxy's release
    process = subprocess.Popen(
        [str(COMMAND), str(folder), "--endpoint-url", proxy.url, "--batch-size", "1", "--concurrency", "1"]
        + ["--resume", str(journal), "--output", str(out), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while len(journal.read_text().splitlines() if journal.exists() else []) < 2:  # header + 1
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    proxy.release()
    return frames, folder, journal, out, process.returncode, stderr


def test_a_killed_run_writes_the_json_it_has_and_exits_with_the_abort_code(killed_run, api_server):
    frames, _, _, out, returncode, stderr = killed_run
    assert returncode == EXIT_ABORTED, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    output = json.loads(out.read_text())
    assert output["descriptions"][0] == describe_alone(api_server, frames[0])
    assert output["failed_indices"] == [1, 2, 3]
    assert output["error_codes"] == [RUN_ABORTED] * 3


def test_a_rerun_of_a_killed_run_with_its_resume_file_sends_only_the_rest(killed_run, proxy, api_server):
    frames, folder, journal, out, _, _ = killed_run
    jobs_before = len(proxy.job_inputs)
    done = run_command(
        str(folder), "--endpoint-url", proxy.url, "--resume", str(journal), "--output", str(out)
    )
    assert done.returncode == 0, done.stderr
    sent = [entry for body in proxy.job_inputs[jobs_before:] for entry in body["frame_data"]]
    assert len(sent) == 3
    output = json.loads(out.read_text())
    assert output["descriptions"] == [describe_alone(api_server, f) for f in frames]
