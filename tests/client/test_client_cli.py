"""The installed `describe-frames` command, run as a subprocess against the real worker."""

from __future__ import annotations

import json
from pathlib import Path

from testkit.client_support import describe_alone
from testkit.commands import run_command
from testkit.images import distinct_jpegs


def test_the_command_describes_a_folder_in_name_order_into_a_json_file(api_server, tmp_path):
    frames = distinct_jpegs(3)
    folder = tmp_path / "shots"
    folder.mkdir()
    # Written out of order, with ffmpeg's unpadded numbering: name order puts 2 before 10.
    (folder / "frame_10.jpg").write_bytes(frames[2])
    (folder / "frame_1.jpg").write_bytes(frames[0])
    (folder / "frame_2.jpg").write_bytes(frames[1])
    (folder / "broken.jpg").write_bytes(b"this is not a jpeg")
    (folder / "notes.txt").write_text("not a frame")
    out = tmp_path / "descriptions.json"
    done = run_command(str(folder), "--endpoint-url", api_server, "--batch-size", "2", "--output", str(out))
    assert done.returncode == 1, done.stderr  # one frame failed
    output = json.loads(out.read_text())
    names = [Path(f).name for f in output["frames"]]
    assert names == ["broken.jpg", "frame_1.jpg", "frame_2.jpg", "frame_10.jpg"]
    assert output["count"] == 4
    assert output["failed_indices"] == [0]
    assert output["errors"][0].startswith("not an image")
    assert output["descriptions"] == ["", *(describe_alone(api_server, f) for f in frames)]


def test_the_command_writes_json_to_stdout_and_its_progress_bar_to_stderr(api_server, tmp_path):
    (frame,) = distinct_jpegs(1)
    path = tmp_path / "one.jpg"
    path.write_bytes(frame)
    done = run_command(str(path), "--endpoint-url", api_server)
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["descriptions"] == [describe_alone(api_server, frame)]
    assert output["failed_indices"] == [] and output["errors"] == []
    assert "1/1" in done.stderr


def test_the_command_explains_a_missing_endpoint(tmp_path):
    done = run_command(str(tmp_path))
    assert done.returncode == 2
    assert "RUNPOD_VISION_ENDPOINT_ID" in done.stderr and "--endpoint-url" in done.stderr
    assert done.stdout == ""


def test_the_command_explains_a_missing_api_key_for_a_hosted_endpoint(tmp_path):
    done = run_command(str(tmp_path), env={"RUNPOD_VISION_ENDPOINT_ID": "abc123"})
    assert done.returncode == 2
    assert "RUNPOD_API_KEY" in done.stderr and "https://api.runpod.ai/v2/abc123" in done.stderr
    assert done.stdout == ""


def test_the_command_refuses_a_path_that_matches_nothing(api_server, tmp_path):
    done = run_command(str(tmp_path / "nothing-*.jpg"), "--endpoint-url", api_server)
    assert done.returncode == 2
    assert "no files match" in done.stderr
