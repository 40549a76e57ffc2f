"""Shot detection on synthetic clips with known cuts, as JPEG folders and as video files.

The clips (`testkit/clips.py`) hold hard cuts, slow pans, a noisy shot and a fade
through black. Each test reads the measured report of `bench/studies/scenes.py`, the same figures the
README's cost table gives; the table is printed (pytest -s) and shown with any failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.studies.scenes import measure, table
from frame_client.scenes import SceneSettings, find_video_shots
from frame_client.shots import find_shots, small_frame
from frame_client.video import extract_frames
from testkit.clips import CLIPS, MIXED, MONTAGE, Clip, Shot, jpeg_bytes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    found = [r for clip in CLIPS for r in measure(clip, tmp_path_factory.mktemp(clip.name))]
    print("\n" + table(found))
    return found


@pytest.fixture(scope="module")
def montage_video(tmp_path_factory) -> Path:
    return MONTAGE.write_video(tmp_path_factory.mktemp("video") / "montage.mp4")


def test_every_hard_cut_is_found_in_jpeg_folders_and_in_videos(reports):
    sources = {(c.name, source) for c in CLIPS for source in ("jpeg folder", "mp4")}
    assert {(r.clip, r.source) for r in reports} == sources
    assert all(r.recall == 1.0 for r in reports), table(reports)


def test_slow_pans_and_a_noisy_shot_add_no_cuts(reports):
    assert all(r.extra_cuts_elsewhere == 0 for r in reports), table(reports)


def test_a_fade_through_black_is_cut_inside_the_fade_only(reports):
    mixed = [r for r in reports if r.clip == MIXED.name]
    assert all(r.fade_transitions_found == "1/1" for r in mixed), table(reports)
    fade = MIXED.fade_frames()
    for report in mixed:
        extra = set(report.shot_starts) - set(MIXED.hard_cuts()) - {0}
        assert extra and extra <= fade, table(reports)


def test_a_video_and_its_jpeg_frames_give_the_same_shots(reports):
    for clip in CLIPS:
        folder, video = (r for r in reports if r.clip == clip.name)
        assert folder.shot_starts == video.shot_starts, table(reports)


def test_fewer_frames_are_sent_than_answered(reports):
    assert all(r.shots < r.frames for r in reports), table(reports)


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
