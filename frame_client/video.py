"""A video file sampled at a fixed rate into JPEG frames on disk, each with its timestamp (PyAV).

Frame k is the first decoded frame at or after k / fps seconds from the first frame, as
`ffmpeg -vf fps=1` picks them; its timestamp is that frame's own presentation time. Frames go
to disk, not memory: a 2-hour video at 1 fps is 7,200 frames. PyAV bundles FFmpeg, so no system
package is needed; it comes with the client's `scenes` extra and is imported only here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .extra import require
from .failures import ConfigError

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"})
JPEG_QUALITY = 92  # about ffmpeg's -q:v 2, what the caller extracts with
_EPSILON_S = 1e-6  # timestamps are rationals turned into floats


@dataclass(frozen=True)
class VideoFrame:
    path: Path
    timestamp: float  # seconds from the video's first frame


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def estimated_frame_count(video: str | Path, fps: float) -> int | None:
    """How many frames `extract_frames` will give, from the container's duration, if it says."""
    av = require("av", "reading a video file")
    try:
        with av.open(str(video)) as container:
            duration = container.duration  # in microseconds (FFmpeg's AV_TIME_BASE)
    except av.error.FFmpegError:
        return None
    return None if duration is None else max(1, int(duration / 1_000_000 * fps + 0.5))


def extract_frames(
    video: str | Path, folder: Path, fps: float, on_frame: Callable[[int], None] | None = None
) -> list[VideoFrame]:
    """`video` at `fps` frames per second as JPEG files in `folder`; `ConfigError` if it cannot be read."""
    av = require("av", "reading a video file")
    try:
        container = av.open(str(video))
    except av.error.FFmpegError as err:
        raise ConfigError(f"cannot open video {video}: {err.strerror or err}") from None
    frames: list[VideoFrame] = []
    with container:
        if not container.streams.video:
            raise ConfigError(f"no video stream in {video}")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # FFmpeg's own frame threads; every frame is decoded anyway
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        origin: float | None = None
        due = 0  # the next sampling point, in units of 1 / fps from the first frame
        try:
            for decoded, frame in enumerate(container.decode(stream)):
                time = frame.time if frame.time is not None else decoded / rate
                origin = time if origin is None else origin
                elapsed = time - origin
                if elapsed + _EPSILON_S < due / fps:
                    continue
                path = folder / f"frame_{len(frames) + 1:06d}.jpg"
                frame.to_image().save(path, "JPEG", quality=JPEG_QUALITY)
                frames.append(VideoFrame(path, round(elapsed, 6)))
                while due / fps <= elapsed + _EPSILON_S:  # past a gap in the video, too
                    due += 1
                if on_frame is not None:
                    on_frame(1)
        except av.error.FFmpegError as err:
            # A damaged end of file: keep what decoded, as ffmpeg does.
            if not frames:
                raise ConfigError(f"cannot decode video {video}: {err.strerror or err}") from None
            log.warning("%s: decoding stopped after %d frames: %s", video, len(frames), err)
    if not frames:
        raise ConfigError(f"no frames in video {video}")
    log.info("%s: %d frames at %g fps", video, len(frames), fps)
    return frames
