"""The `describe-frames` parts for video files and `--scenes`: their flags, and what they read.

Kept apart from `cli.py`, which only calls these: `add_arguments` (the flags), `scene_settings`
(checked before any work, the `scenes` extra included), `load_source` (a video file sampled
into JPEGs, or the frames as `cli.expand_frames` lists them, with timestamps when known) and
`find_shots` (with its progress bar).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .failures import ConfigError
from .scenes import (
    DEFAULT_MIN_SCENE_FRAMES,
    DEFAULT_SCENE_THRESHOLD,
    SceneSettings,
    find_video_shots,
    frame_timestamps,
    shot_detection,
)
from .video import VIDEO_SUFFIXES, estimated_frame_count, extract_frames, is_video

DEFAULT_VIDEO_FPS = 1.0
_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class FrameSource:
    """What the command describes: `frames` to send, their `labels` in the JSON, their `timestamps`."""

    frames: list[str]
    labels: list[str]
    timestamps: list[float] | None = None


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


def scene_settings(args: argparse.Namespace) -> SceneSettings | None:
    """The settings for `--scenes` (None without it); `ConfigError` if one is wrong or the extra missing."""
    settings = SceneSettings(args.scene_threshold, args.min_scene_frames)
    if args.fps is not None and not (0 < args.fps < math.inf):
        raise ConfigError(f"--fps must be a number above 0, not {args.fps}")
    if not args.scenes:
        return None
    shot_detection()  # said now, not after a long video has been read
    return settings


def load_source(
    arguments: list[str],
    fps: float | None,
    scratch: Path,
    expand: Callable[[list[str]], list[str]],
    bar: Callable[..., tqdm] = tqdm,
) -> FrameSource:
    """One video file sampled at `fps` into `scratch`, or the frames `expand(arguments)` lists."""
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
    with bar(total=estimated_frame_count(video, fps), desc="reading video") as progress:
        sampled = extract_frames(video, scratch, fps, on_frame=progress.update)
    return FrameSource(
        [str(f.path) for f in sampled],
        [f"{video}#t={f.timestamp:g}" for f in sampled],
        [f.timestamp for f in sampled],
    )


def find_shots(frames: list[str], settings: SceneSettings, bar: Callable[..., tqdm] = tqdm) -> list:
    with bar(total=len(frames), desc="finding shots") as progress:
        return find_video_shots(frames, settings, on_frame=progress.update)


def grow(progress: tqdm, count: int) -> None:
    """Add `count` frames about to be sent to the bar's total (with --scenes it grows per call)."""
    progress.total = (progress.total or 0) + count
    progress.refresh()
