"""The `describe-frames` parts for video files and `--scenes`: their flags, and what they read and write.

Kept apart from `cli.py`, which only calls these: `add_arguments` (the flags), `scene_settings`
(checked before any work, the `scenes` extra included), `load_source` (a video file sampled
into JPEGs, with every frame watched for cuts and camera moves when scenes are asked for, or
the frames as `cli.expand_frames` lists them, with timestamps when known), `detect` (the shots,
with a progress bar for frames) and `write_shot_files` (`--otio`, `--contact-sheet`).
"""

from __future__ import annotations

import argparse
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .extra import require
from .failures import ConfigError
from .results import FrameResult, Shot
from .scenes import (
    DEFAULT_MIN_SCENE_FRAMES,
    DEFAULT_SCENE_THRESHOLD,
    SceneSettings,
    frame_timestamps,
    shot_detection,
)
from .video import VIDEO_SUFFIXES, VideoRead, estimated_frame_count, is_video, read_video

log = logging.getLogger("describe-frames")

DEFAULT_VIDEO_FPS = 1.0
_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class FrameSource:
    """What the command describes: `frames` to send, their `labels` in the JSON, their `timestamps`."""

    frames: list[str]
    labels: list[str]
    timestamps: list[float] | None = None
    video: str | None = None  # the video file the frames were sampled from
    read: VideoRead | None = None  # how it read
    analysis: object | None = None  # with scenes: its `video_analysis.VideoAnalysis`, every frame seen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "scenes and video files (need the client's 'scenes' extra: pip install '.[scenes]')",
        f"A video file ({' '.join(sorted(VIDEO_SUFFIXES))}) is given on its own, instead of frames.",
    )
    group.add_argument(
        "--scenes",
        action="store_true",
        help="describe one frame per shot and give its description to every frame of the shot; adds "
        "'keyframe_of' and 'keyframes' to the JSON",
    )
    group.add_argument(
        "--fps",
        type=float,
        help=f"frames per second: a video is sampled at this rate (default: {DEFAULT_VIDEO_FPS:g}); "
        "for frames it only adds 'timestamps' to the JSON",
    )
    group.add_argument(
        "--scene-threshold",
        type=float,
        default=DEFAULT_SCENE_THRESHOLD,
        help="change between two frames (0-255, PySceneDetect's ContentDetector) that makes a cut; "
        "lower finds more shots (default: %(default)s)",
    )
    group.add_argument(
        "--min-scene-frames",
        type=int,
        default=DEFAULT_MIN_SCENE_FRAMES,
        help="fewest frames from one cut to the next; closer cuts are dropped (default: %(default)s)",
    )
    group.add_argument(
        "--otio",
        metavar="FILE",
        help="with --scenes: also write the shots as an OpenTimelineIO timeline (.otio), one clip per "
        "shot with its description, fields and camera motion in its metadata",
    )
    group.add_argument(
        "--contact-sheet",
        metavar="FILE.html",
        help="with --scenes: also write one self-contained HTML page, a thumbnail per shot with its "
        "times, camera motion and description",
    )


def scene_settings(args: argparse.Namespace) -> SceneSettings | None:
    """The settings for `--scenes` (None without it); `ConfigError` if one is wrong or the extra missing."""
    settings = SceneSettings(args.scene_threshold, args.min_scene_frames)
    if args.fps is not None and not (0 < args.fps < math.inf):
        raise ConfigError(f"--fps must be a number above 0, not {args.fps}")
    if not args.scenes:
        for flag, value in (("--otio", args.otio), ("--contact-sheet", args.contact_sheet)):
            if value:
                raise ConfigError(f"{flag} needs --scenes")
        return None
    shot_detection()  # said now, not after a long video has been read
    require("frame_client.shot_list", "scene detection")
    if args.otio:
        require("opentimelineio", "--otio")
    return settings


def load_source(
    arguments: list[str],
    fps: float | None,
    scratch: Path,
    expand: Callable[[list[str]], list[str]],
    bar: Callable[..., tqdm] = tqdm,
    settings: SceneSettings | None = None,
) -> FrameSource:
    """One video file sampled at `fps` into `scratch`, or the frames `expand(arguments)` lists.

    With `settings` (scenes), every frame of a video is watched for cuts and camera moves.
    """
    videos = [a for a in arguments if is_video(a) and not _URL.match(a)]
    if not videos:
        frames = expand(arguments)
        return FrameSource(frames, frames, None if fps is None else frame_timestamps(len(frames), fps))
    if len(arguments) > 1:
        raise ConfigError("give one video file on its own, or frames (images, folders, globs, URLs)")
    (video,) = videos
    if not Path(video).is_file():
        raise ConfigError(f"no such video file: {video}")
    fps = fps or DEFAULT_VIDEO_FPS
    analysis = None
    with bar(total=estimated_frame_count(video, fps), desc="reading video") as progress:
        if settings is None:
            read = read_video(video, scratch, fps, progress.update)
        else:
            shot_list = require("frame_client.shot_list", "scene detection")
            read, analysis = shot_list.read_and_analyse(
                video, scratch, fps, settings.threshold, progress.update
            )
    sampled = read.frames
    return FrameSource(
        [str(f.path) for f in sampled],
        [f"{video}#t={f.timestamp:g}" for f in sampled],
        [f.timestamp for f in sampled],
        video,
        read,
        analysis,
    )


def detect(source: FrameSource, settings: SceneSettings, fps: float | None, bar: Callable[..., tqdm] = tqdm):
    """The shots of `source` (a `shot_list.Detection`): from the video's own frames, or from the frames."""
    shot_list = require("frame_client.shot_list", "scene detection")
    if source.analysis is not None:
        return shot_list.detect_video(source.read, source.analysis, settings.min_scene_frames)
    with bar(total=len(source.frames), desc="finding shots") as progress:
        return shot_list.detect_frames(
            source.frames,
            settings.threshold,
            settings.min_scene_frames,
            fps or DEFAULT_VIDEO_FPS,
            progress.update,
        )


def write_shot_files(
    args: argparse.Namespace,
    source: FrameSource,
    detection,
    shots: list[Shot],
    results: list[FrameResult],
) -> None:
    """`--otio` and `--contact-sheet`, as asked; a file that cannot be written is said, not raised."""
    title = source.video or " ".join(args.frames)
    if args.otio:
        from .otio_timeline import write_timeline

        _write(
            args.otio,
            write_timeline,
            args.otio,
            shots,
            results,
            source.timestamps,
            detection.rate,
            source.video,
            title,
        )
    if args.contact_sheet:
        from .contact_sheet import write_contact_sheet

        _write(
            args.contact_sheet,
            write_contact_sheet,
            args.contact_sheet,
            shots,
            results,
            source.frames,
            title,
            args.fields,
        )


def _write(path: str, writer: Callable, *arguments) -> None:
    try:
        writer(*arguments)
    except OSError as err:
        log.error("cannot write %s: %s", path, err.strerror or err)


def grow(progress: tqdm, count: int) -> None:
    """Add `count` frames about to be sent to the bar's total (with --scenes it grows per call)."""
    progress.total = (progress.total or 0) + count
    progress.refresh()
