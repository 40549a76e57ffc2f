"""`--otio`: the shot list as an OpenTimelineIO timeline, for editing software.

One track, one clip per shot, in order: its source range is the shot's time in the video (at
the video's own rate), its media the video file; its metadata, under `frame_describer`, hold the
description (or the error), the fields when asked for, the camera and the frames it covers; a
marker sits on the keyframe the description comes from. OTIO's adapters carry the `.otio` file
on into EDL, FCP XML or AAF. Needs `opentimelineio` (the client's `scenes` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import opentimelineio as otio

from .results import FrameResult, Shot

METADATA_KEY = "frame_describer"


def timeline(
    shots: Sequence[Shot],
    results: Sequence[FrameResult],
    timestamps: Sequence[float] | None,
    rate: float,
    video: str | None,
    name: str,
) -> otio.schema.Timeline:
    """A timeline of `shots` at `rate`; each clip refers to `video` (or to no media, for frames)."""
    track = otio.schema.Track(name="shots", kind=otio.schema.TrackKind.Video)
    end = max((shot.end_s for shot in shots), default=0.0)
    for number, shot in enumerate(shots, start=1):
        result = results[shot.keyframe]
        clip = otio.schema.Clip(
            name=f"shot {number}",
            media_reference=_media(video, end, rate),
            source_range=otio.opentime.range_from_start_end_time(
                _time(shot.start_s, rate), _time(shot.end_s, rate)
            ),
        )
        clip.metadata[METADATA_KEY] = {
            "description": result.description if result.ok else None,
            "error": None if result.ok else result.error,
            "fields": result.fields,
            "camera": asdict(shot.camera),
            "first": shot.first,
            "last": shot.last,
            "keyframe": shot.keyframe,
        }
        at = timestamps[shot.keyframe] if timestamps is not None else shot.start_s
        clip.markers.append(
            otio.schema.Marker(
                name="keyframe",
                marked_range=otio.opentime.TimeRange(_time(at, rate), otio.opentime.RationalTime(0, rate)),
                color=otio.schema.MarkerColor.GREEN,
                metadata={METADATA_KEY: {"frame": shot.keyframe}},
            )
        )
        track.append(clip)
    result = otio.schema.Timeline(name=name)
    result.tracks.append(track)
    return result


def write_timeline(
    path: str | Path,
    shots: Sequence[Shot],
    results: Sequence[FrameResult],
    timestamps: Sequence[float] | None,
    rate: float,
    video: str | None,
    name: str,
) -> None:
    otio.adapters.write_to_file(timeline(shots, results, timestamps, rate, video, name), str(path))


def _time(seconds: float, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(round(seconds * rate), rate)


def _media(video: str | None, end_s: float, rate: float):
    if video is None:
        return otio.schema.MissingReference()
    return otio.schema.ExternalReference(
        target_url=Path(video).resolve().as_uri(),
        available_range=otio.opentime.TimeRange(_time(0.0, rate), _time(end_s, rate)),
    )
