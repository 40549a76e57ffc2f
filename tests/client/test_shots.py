"""Shot detection on synthetic clips with known cuts: at a video's own rate, and on 1-fps frames.

The clips (`testkit/clips.py`) hold hard cuts, slow and fast pans, tilts, zooms, a noisy shot
and a fade through black. The first tests read the measured report of `bench/studies/scenes.py`,
the same figures docs/shots.md gives; the table is printed (pytest -s) and shown with any failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.studies.scenes import AT_VIDEO_RATE, CLIPS, ON_SAMPLES, measure, table
from frame_client.scenes import SceneSettings, find_video_shots
from frame_client.shots import find_shots, shots_from_cuts, small_frame
from frame_client.video import extract_frames
from testkit.clips import MIXED, MONTAGE, MOVING, SMALL_FPS, SMALL_SIZE, Clip, Shot, jpeg_bytes
from testkit.commands import run_command

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    found = [r for clip in CLIPS for r in measure(clip, tmp_path_factory.mktemp(clip.name))]
    print("\n" + table(found))
    return found


@pytest.fixture(scope="module")
def montage_video(tmp_path_factory) -> Path:
    return MONTAGE.write_video(tmp_path_factory.mktemp("video") / "montage.mp4")


def test_every_hard_cut_is_found_at_the_videos_rate_and_on_samples(reports):
    assert {(r.clip, r.method) for r in reports} == {
        (c.name, m) for c in CLIPS for m in (AT_VIDEO_RATE, ON_SAMPLES)
    }
    assert all(r.hard_cuts_found == r.hard_cuts for r in reports), table(reports)


def test_at_the_videos_rate_every_clip_without_a_fade_gives_exactly_its_shots(reports):
    at_rate = [r for r in reports if r.method == AT_VIDEO_RATE and r.clip != MIXED.name]
    assert all(r.exact for r in at_rate), table(reports)


def test_fast_moves_split_shots_on_1_fps_samples_but_not_at_the_videos_rate(reports):
    moving = {r.method: r for r in reports if r.clip == MOVING.name}
    assert moving[ON_SAMPLES].extra_cuts_elsewhere > 0, table(reports)
    assert moving[AT_VIDEO_RATE].extra_cuts_elsewhere == 0, table(reports)


def test_slow_pans_and_a_noisy_shot_add_no_cuts_either_way(reports):
    slow = [r for r in reports if r.clip in (MIXED.name, MONTAGE.name)]
    assert all(r.extra_cuts_elsewhere == 0 for r in slow), table(reports)


def test_a_fade_through_black_is_cut_inside_the_fade_only(reports):
    fade = MIXED.fade_frames()
    for report in (r for r in reports if r.clip == MIXED.name):
        extra = set(report.shot_starts) - set(MIXED.hard_cuts()) - {0}
        assert extra and extra <= fade, table(reports)


def test_at_least_7_of_8_shots_get_their_camera_motion_on_every_clip(reports):
    for report in (r for r in reports if r.method == AT_VIDEO_RATE):
        assert report.motions_right >= report.shots - 1, table(reports)


def test_fewer_frames_are_sent_than_answered(reports):
    assert all(
        r.shots_found < len(range(clip.seconds)) for r in reports for clip in CLIPS if clip.name == r.clip
    )


def test_a_cut_starts_the_shot_at_the_first_sample_after_it_and_at_its_own_time():
    hashes = [small_hash(i) for i in range(6)]
    shots, starts = shots_from_cuts([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [2.4, 2.6, 4.0], hashes, 1)
    assert [s.frames for s in shots] == [(0, 1, 2), (3,), (4, 5)]
    assert starts == [0.0, 2.6, 4.0]  # two cuts before one sample start one shot, at the later


def test_cuts_closer_than_min_scene_frames_samples_are_dropped():
    hashes = [small_hash(i) for i in range(6)]
    shots, _ = shots_from_cuts([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 4.0], hashes, 2)
    assert [s.frames[0] for s in shots] == [0, 2, 4]


def test_the_command_lists_the_shots_of_a_video_in_order_consistent_with_keyframe_of(api_server, tmp_path):
    video = MOVING.write_video(tmp_path / "moving.mp4", fps=SMALL_FPS, size=SMALL_SIZE)
    done = run_command(str(video), "--scenes", "--endpoint-url", api_server, "--no-progress")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    shots = output["shots"]
    assert [(s["first"], s["start_s"], s["camera"]["motion"]) for s in shots] == [
        (int(start), start, shot.motion)
        for start, shot in zip(MOVING.shot_starts(), MOVING.shots, strict=True)
    ]
    assert [s["last"] + 1 for s in shots[:-1]] == [s["first"] for s in shots[1:]]
    assert shots[-1]["last"] == output["count"] - 1 and shots[-1]["end_s"] == MOVING.seconds
    for shot in shots:
        assert output["keyframe_of"][shot["first"] : shot["last"] + 1] == [shot["keyframe"]] * (
            shot["last"] - shot["first"] + 1
        )
    assert set(shots[0]["camera"]) == {"motion", "pan", "tilt", "zoom", "shake"}


def small_hash(seed: int):
    import numpy as np

    return np.random.default_rng(seed).random(64) > 0.5


def test_a_video_is_sampled_at_the_requested_rate_with_each_frames_time(montage_video, tmp_path):
    one = extract_frames(montage_video, tmp_path, fps=1.0)
    assert [f.timestamp for f in one] == [float(t) for t in range(MONTAGE.seconds)]
    (tmp_path / "half").mkdir()
    half = extract_frames(montage_video, tmp_path / "half", fps=0.5)
    assert [f.timestamp for f in half] == [float(t) for t in range(0, MONTAGE.seconds, 2)]
    assert all(f.path.is_file() and f.path.read_bytes()[:2] == b"\xff\xd8" for f in one + half)


def test_a_shots_representative_is_never_a_fading_frame(reports, tmp_path):
    paths = MIXED.write_frames(tmp_path)
    faded = MIXED.faded_frames()
    shots = find_video_shots(paths)
    partly_faded = [s for s in shots if set(s.frames) & faded and not set(s.frames) <= faded]
    assert partly_faded
    assert all(s.representative not in faded for s in partly_faded)


def test_a_frame_that_cannot_be_decoded_is_a_shot_of_its_own_and_its_shot_goes_on():
    still = Clip("still", (Shot("still", 5, seed=9),))
    frames = [jpeg_bytes(still.render(t)) for t in range(4)]
    frames.insert(2, b"not a jpeg at all")
    shots = find_shots((small_frame(f) for f in frames), threshold=27.0, min_scene_frames=1)
    assert [s.frames for s in shots] == [(0, 1, 3, 4), (2,)]
    assert shots[1].representative == 2 and shots[1].alternates == ()
    assert set(shots[0].alternates) | {shots[0].representative} == {0, 1, 3, 4}


def test_a_url_is_not_fetched_for_detection_and_is_a_shot_of_its_own():
    assert small_frame("https://cdn.example.com/frame_1.jpg") is None


def test_a_threshold_above_every_change_finds_one_shot(tmp_path):
    paths = MONTAGE.write_frames(tmp_path)
    shots = find_video_shots(paths, SceneSettings(threshold=255.0))
    assert [s.frames for s in shots] == [tuple(range(MONTAGE.seconds))]


def test_no_two_cuts_are_closer_than_min_scene_frames(tmp_path):
    paths = MONTAGE.write_frames(tmp_path)
    starts = [s.frames[0] for s in find_video_shots(paths, SceneSettings(min_scene_frames=5))]
    assert len(starts) > 1
    assert all(b - a >= 5 for a, b in zip(starts, starts[1:], strict=False))


@pytest.mark.parametrize("settings", [{"threshold": 0}, {"threshold": 300}, {"min_scene_frames": 0}])
def test_scene_settings_out_of_range_are_refused(settings):
    from frame_client import ConfigError

    with pytest.raises(ConfigError):
        SceneSettings(**settings)


def test_the_base_client_works_without_the_scenes_extra_and_says_how_to_get_it():
    # The extra's modules made unimportable, as in an environment without them.
    script = (
        "import sys\n"
        "for name in ('numpy', 'cv2', 'scenedetect', 'av'):\n"
        "    sys.modules[name] = None\n"
        "import frame_client, frame_client.cli\n"
        "try:\n"
        "    frame_client.describe_frames([b'x'], endpoint_url='http://127.0.0.1:9', scenes=True)\n"
        "except frame_client.ConfigError as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    assert "pip install '.[scenes]'" in done.stdout
