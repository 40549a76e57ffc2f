"""`describe-frames VIDEO --scenes --otio FILE`: a timeline OpenTimelineIO reads back, one clip per shot."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest

from testkit.clips import MOVING, SMALL_FPS, SMALL_SIZE
from testkit.commands import run_command


@pytest.fixture(scope="module")
def timeline_run(api_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("otio")
    video = MOVING.write_video(folder / "moving.mp4", fps=SMALL_FPS, size=SMALL_SIZE)
    out, timeline = folder / "out.json", folder / "shots.otio"
    done = run_command(
        str(video), "--scenes", "--endpoint-url", api_server, "--output", str(out), "--otio", str(timeline)
    )
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text()), otio.adapters.read_from_file(str(timeline)), video


def clips(timeline) -> list:
    (track,) = timeline.tracks
    return list(track.find_clips())


def test_the_timeline_has_one_clip_per_shot_in_order(timeline_run):
    output, timeline, _ = timeline_run
    assert [clip.name for clip in clips(timeline)] == [
        f"shot {n}" for n in range(1, len(output["shots"]) + 1)
    ]
    assert len(output["shots"]) == len(MOVING.shots)


def test_each_clip_spans_its_shot_at_the_videos_own_rate(timeline_run):
    output, timeline, _ = timeline_run
    for clip, shot in zip(clips(timeline), output["shots"], strict=True):
        assert clip.source_range.start_time.rate == SMALL_FPS
        assert clip.source_range.start_time.to_seconds() == pytest.approx(shot["start_s"])
        assert clip.source_range.end_time_exclusive().to_seconds() == pytest.approx(shot["end_s"])


def test_each_clip_carries_its_description_and_camera_in_its_metadata(timeline_run):
    output, timeline, _ = timeline_run
    for clip, shot in zip(clips(timeline), output["shots"], strict=True):
        metadata = clip.metadata["frame_describer"]
        assert metadata["description"] == output["descriptions"][shot["keyframe"]]
        assert dict(metadata["camera"]) == shot["camera"]


def test_each_clip_has_a_marker_at_its_keyframe(timeline_run):
    output, timeline, _ = timeline_run
    for clip, shot in zip(clips(timeline), output["shots"], strict=True):
        (marker,) = clip.markers
        assert marker.marked_range.start_time.to_seconds() == pytest.approx(
            output["timestamps"][shot["keyframe"]]
        )


def test_each_clip_refers_to_the_video_file(timeline_run):
    _, timeline, video = timeline_run
    assert {clip.media_reference.target_url for clip in clips(timeline)} == {Path(video).resolve().as_uri()}


def test_otio_without_scenes_is_refused(api_server, tmp_path):
    (tmp_path / "f.jpg").write_bytes(b"\xff\xd8")
    done = run_command(
        str(tmp_path / "f.jpg"), "--otio", str(tmp_path / "t.otio"), "--endpoint-url", api_server
    )
    assert done.returncode == 2 and "--otio needs --scenes" in done.stderr
