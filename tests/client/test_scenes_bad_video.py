"""`describe-frames VIDEO --scenes` on awkward videos: a shot list for what decodes, a clear word on the rest.

Each video is small (160x90) and a few seconds long; the worker behind the local API is the tiny model.
"""

from __future__ import annotations

import json

from PIL import Image

from testkit.clips import CAMERA, MOVING, SMALL_FPS, SMALL_SIZE, Clip, Shot, write_video
from testkit.commands import run_command


def scenes(api_server, video, *extra):
    done = run_command(str(video), "--scenes", "--no-progress", "--endpoint-url", api_server, *extra)
    return done, (json.loads(done.stdout) if done.stdout else None)


def still_picture() -> Image.Image:
    return Clip("still", (Shot("static", 1, seed=90),)).render(0.0, SMALL_SIZE)


def test_a_video_with_no_motion_at_all_is_one_static_shot(api_server, tmp_path):
    video = write_video(tmp_path / "still.mp4", [still_picture()] * (3 * SMALL_FPS), SMALL_FPS)
    done, output = scenes(api_server, video)
    assert done.returncode == 0, done.stderr
    assert [(s["first"], s["last"], s["camera"]["motion"]) for s in output["shots"]] == [(0, 2, "static")]


def test_a_video_of_one_frame_is_one_shot_whose_camera_is_unknown(api_server, tmp_path):
    video = write_video(tmp_path / "one.mp4", [still_picture()], SMALL_FPS)
    done, output = scenes(api_server, video)
    assert done.returncode == 0, done.stderr
    (shot,) = output["shots"]
    assert (shot["first"], shot["last"], shot["start_s"]) == (0, 0, 0.0) and shot["end_s"] > 0
    assert shot["camera"] == {"motion": "unknown", "pan": None, "tilt": None, "zoom": None, "shake": None}


def test_a_variable_frame_rate_video_keeps_its_own_times_and_cuts(api_server, tmp_path):
    clip = Clip("vfr", CAMERA.shots[:4])
    # Frames 0.05 s and 0.15 s apart in turn: 10 a second on average, never evenly.
    times, t = [], 0.0
    while t < clip.seconds:
        times.append(round(t, 3))
        t += 0.05 if len(times) % 2 else 0.15
    video = clip.write_vfr_video(tmp_path / "vfr.mp4", times, SMALL_SIZE)
    done, output = scenes(api_server, video)
    assert done.returncode == 0, done.stderr
    # Each sample is the first frame at or after its second: its own time, not the second.
    assert output["timestamps"] == [min(x for x in times if x >= s) for s in range(clip.seconds)]
    starts = [s["start_s"] for s in output["shots"]]
    assert starts == [min(x for x in times if x >= start) for start in clip.shot_starts()]
    assert [s["camera"]["motion"] for s in output["shots"]] == [shot.motion for shot in clip.shots]


def test_a_stream_damaged_midway_gives_shots_for_what_decodes_and_says_what_did_not(api_server, tmp_path):
    video = MOVING.write_video(tmp_path / "moving.mp4", fps=SMALL_FPS, size=SMALL_SIZE)
    data = bytearray(video.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = bytes((i * 37 + 11) % 256 for i in range(4000))
    video.write_bytes(bytes(data))
    done, output = scenes(api_server, video)
    assert done.returncode == 0, done.stderr
    assert "could not be decoded" in done.stderr and "what could be decoded" in done.stderr
    shots = output["shots"]
    assert shots[0]["first"] == 0 and shots[-1]["last"] == output["count"] - 1
    assert [s["last"] + 1 for s in shots[:-1]] == [s["first"] for s in shots[1:]]


def test_a_file_that_is_not_a_video_is_refused_with_its_reason(api_server, tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(
        MOVING.write_video(tmp_path / "whole.mp4", fps=SMALL_FPS, size=SMALL_SIZE).read_bytes()[:3000]
    )
    done, output = scenes(api_server, video)
    assert done.returncode == 2 and output is None
    assert f"cannot open video {video}" in done.stderr or f"cannot decode video {video}" in done.stderr
