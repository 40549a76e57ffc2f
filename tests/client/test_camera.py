"""Camera motion per shot, measured on synthetic clips whose every move is known (`testkit/clips.py`).

Videos are read as the command reads them (`read_video` with a `VideoAnalysis` watching every
frame); frame folders as 1-fps JPEGs. No endpoint: the camera does not depend on descriptions.
"""

from __future__ import annotations

import numpy as np
import pytest

from frame_client.camera import Step, camera_of, measure_step
from frame_client.results import FrameResult
from frame_client.shot_list import detect_frames, detect_video, shot_list
from frame_client.video import probe, read_video
from frame_client.video_analysis import VideoAnalysis
from testkit.clips import CAMERA, HANDHELD, MOVE_RATE, SMALL_FPS, SMALL_SIZE, SUBJECT, ZOOM_RATE, Clip, Shot


def video_shots(clip: Clip, folder):
    video = clip.write_video(folder / f"{clip.name}.mp4", fps=SMALL_FPS, size=SMALL_SIZE)
    (folder / "frames").mkdir()
    analysis = VideoAnalysis(27.0, probe(video).rate)
    read = read_video(video, folder / "frames", 1.0, analyse=analysis.see)
    analysis.finish()
    return shot_list(detect_video(read, analysis, 1), [FrameResult("a shot")] * len(read.frames))


@pytest.fixture(scope="module")
def camera_shots(tmp_path_factory):
    return video_shots(CAMERA, tmp_path_factory.mktemp("camera"))


def test_each_known_camera_move_gets_its_label(camera_shots):
    assert [s.camera.motion for s in camera_shots] == [shot.motion for shot in CAMERA.shots]


def test_a_pan_is_read_as_frame_widths_a_second_in_the_cameras_direction(camera_shots):
    pans = {s.camera.motion: s.camera.pan for s in camera_shots if s.camera.motion.startswith("pan")}
    assert pans["pan_right"] == pytest.approx(MOVE_RATE, rel=0.1)
    assert pans["pan_left"] == pytest.approx(-MOVE_RATE, rel=0.1)


def test_a_tilt_up_is_positive_frame_heights_a_second(camera_shots):
    tilts = {s.camera.motion: s.camera.tilt for s in camera_shots if s.camera.motion.startswith("tilt")}
    assert tilts == {
        "tilt_up": pytest.approx(MOVE_RATE, rel=0.1),
        "tilt_down": pytest.approx(-MOVE_RATE, rel=0.1),
    }


def test_a_zoom_is_read_as_log_scale_a_second(camera_shots):
    zooms = {s.camera.motion: s.camera.zoom for s in camera_shots if s.camera.motion.startswith("zoom")}
    assert zooms == {
        "zoom_in": pytest.approx(ZOOM_RATE, rel=0.1),
        "zoom_out": pytest.approx(-ZOOM_RATE, rel=0.1),
    }


def test_handheld_jitter_shakes_without_a_net_move(camera_shots):
    (handheld,) = [
        s.camera for s, shot in zip(camera_shots, CAMERA.shots, strict=True) if shot.kind == HANDHELD
    ]
    still = camera_shots[0].camera
    assert handheld.shake > 10 * still.shake
    assert max(abs(handheld.pan), abs(handheld.tilt), abs(handheld.zoom)) < 0.02


def test_a_subject_crossing_a_static_background_is_not_a_moving_camera(camera_shots):
    (subject,) = [
        s.camera for s, shot in zip(camera_shots, CAMERA.shots, strict=True) if shot.kind == SUBJECT
    ]
    assert subject.motion == "static" and abs(subject.pan) < 0.01


def test_a_folder_of_1_fps_frames_reads_slow_moves_from_consecutive_frames(tmp_path):
    # Slow enough for today's 1-fps cut detector to keep each shot whole (faster moves split there).
    moves = ("static", "pan_right", "tilt_up", "zoom_in", "zoom_out", "pan_left")
    slow = Clip("slow", tuple(Shot(kind, 4, seed=80 + i, speed=0.5) for i, kind in enumerate(moves)))
    paths = slow.write_frames(tmp_path)
    shots = shot_list(detect_frames(paths, 27.0, 1, fps=1.0), [FrameResult("a shot")] * len(paths))
    assert [(s.first, s.camera.motion) for s in shots] == list(zip(range(0, 24, 4), moves, strict=True))


def test_a_shot_of_one_frame_in_a_folder_has_an_unknown_camera(tmp_path):
    one_each = Clip("one each", (Shot("static", 1, seed=70), Shot("pan_right", 3, seed=71, speed=0.5)))
    paths = one_each.write_frames(tmp_path)
    shots = shot_list(detect_frames(paths, 27.0, 1, fps=1.0), [FrameResult("a shot")] * len(paths))
    assert [(s.first, s.last, s.camera.motion) for s in shots] == [(0, 0, "unknown"), (1, 3, "pan_right")]


def test_two_identical_pictures_with_nothing_to_track_are_a_static_step():
    flat = np.full((144, 256), 90, np.uint8)
    assert measure_step(flat, flat.copy(), 0.0, 0.1) == Step(0.0, 0.1)
    assert camera_of([Step(0.0, 0.1), Step(0.1, 0.2)]).motion == "static"


def test_two_different_pictures_with_nothing_to_track_are_not_trusted():
    assert not measure_step(
        np.full((144, 256), 90, np.uint8), np.full((144, 256), 10, np.uint8), 0, 0.1
    ).trusted


def test_a_shot_with_mostly_untrusted_steps_has_an_unknown_camera():
    steps = [Step(0.0, 0.1, 0.01), Step(0.1, 0.2, trusted=False), Step(0.2, 0.3, trusted=False)]
    assert camera_of(steps) == camera_of([]) and camera_of([]).motion == "unknown"
