"""`describe-frames --scenes` and video files, as a subprocess against the real worker."""

from __future__ import annotations

import json

import pytest

from frame_client.video import extract_frames
from testkit.client_support import describe_alone
from testkit.clips import MIXED, MONTAGE, Clip
from testkit.commands import run_command


@pytest.fixture(scope="module")
def mixed_video(tmp_path_factory):
    return MIXED.write_video(tmp_path_factory.mktemp("video") / "mixed.mp4")


@pytest.fixture(scope="module")
def montage_video(tmp_path_factory):
    return MONTAGE.write_video(tmp_path_factory.mktemp("video") / "montage.mp4")


def test_a_video_is_described_by_scenes_with_every_second_answered(api_server, mixed_video, tmp_path):
    out = tmp_path / "out.json"
    done = run_command(str(mixed_video), "--scenes", "--endpoint-url", api_server, "--output", str(out))
    assert done.returncode == 0, done.stderr
    output = json.loads(out.read_text())
    assert output["count"] == len(output["descriptions"]) == MIXED.seconds
    assert output["timestamps"] == [float(t) for t in range(MIXED.seconds)]
    assert output["frames"][3] == f"{mixed_video}#t=3"
    keyframe_of, keyframes = output["keyframe_of"], output["keyframes"]
    assert sorted(set(keyframe_of)) == keyframes and len(keyframes) < MIXED.seconds
    for index, keyframe in enumerate(keyframe_of):
        assert output["descriptions"][index] == output["descriptions"][keyframe], index
    # The first and last keyframes, sampled the same way and described alone (test_scenes.py checks all).
    sampled = extract_frames(mixed_video, tmp_path, fps=1.0)
    for keyframe in (keyframes[0], keyframes[-1]):
        expected = describe_alone(api_server, sampled[keyframe].path.read_bytes())
        assert output["descriptions"][keyframe] == expected, keyframe


def test_a_video_without_scenes_is_described_at_every_sampled_frame(api_server, montage_video, tmp_path):
    done = run_command(str(montage_video), "--fps", "0.25", "--endpoint-url", api_server)
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    sampled = extract_frames(montage_video, tmp_path, fps=0.25)
    assert output["count"] == len(sampled) == len(range(0, MONTAGE.seconds, 4))
    assert output["timestamps"] == [f.timestamp for f in sampled]
    assert output["descriptions"] == [describe_alone(api_server, f.path.read_bytes()) for f in sampled]
    assert "keyframe_of" not in output and "keyframes" not in output


def test_a_folder_is_described_by_scenes_with_timestamps_from_fps(api_server, tmp_path):
    three_shots = Clip("three shots", MONTAGE.shots[:3])
    three_shots.write_frames(tmp_path / "frames")
    done = run_command(str(tmp_path / "frames"), "--scenes", "--fps", "2", "--endpoint-url", api_server)
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["frames"][:3] == [str(tmp_path / "frames" / f"frame_{n}.jpg") for n in (1, 2, 3)]
    assert output["timestamps"] == [t / 2 for t in range(three_shots.seconds)]
    assert len(output["keyframes"]) == 3
    assert all(
        output["descriptions"][i] == output["descriptions"][k] for i, k in enumerate(output["keyframe_of"])
    )


def test_a_video_mixed_with_frames_is_refused(api_server, mixed_video, tmp_path):
    (tmp_path / "f.jpg").write_bytes(b"\xff\xd8")
    done = run_command(str(mixed_video), str(tmp_path / "f.jpg"), "--endpoint-url", api_server)
    assert done.returncode == 2
    assert "one video file on its own" in done.stderr and done.stdout == ""


def test_an_unreadable_video_is_explained(api_server, tmp_path):
    (tmp_path / "clip.mp4").write_text("not a video")
    done = run_command(str(tmp_path / "clip.mp4"), "--scenes", "--endpoint-url", api_server)
    assert done.returncode == 2
    assert "cannot open video" in done.stderr and done.stdout == ""


def test_a_scene_threshold_out_of_range_is_refused(api_server, mixed_video):
    done = run_command(str(mixed_video), "--scenes", "--scene-threshold", "300", "--endpoint-url", api_server)
    assert done.returncode == 2
    assert "scene threshold" in done.stderr
