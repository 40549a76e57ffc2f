"""A video file sampled at a fixed rate into JPEG frames on disk, each with its timestamp (PyAV).

Frame k is the first decoded frame at or after k / fps seconds from the first frame, as
`ffmpeg -vf fps=1` picks them; its timestamp is that frame's own presentation time, so a
variable-frame-rate file keeps its true times. Frames go to disk, not memory: a 2-hour video at
1 fps is 7,200 frames. Every decoded frame, sampled or not, can also be shown to an `analyse`
callback (shots and camera motion at the video's own rate, `video_analysis.py`): the video is
decoded once. A packet that cannot be decoded is skipped and reported (`VideoRead.damage`); the
frames before and after it are kept. PyAV bundles FFmpeg, so no system package is needed; it
comes with the client's `scenes` extra and is imported only here.
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
DEFAULT_RATE = 25.0  # a stream that states no frame rate
_EPSILON_S = 1e-6  # timestamps are rationals turned into floats

# Called with each decoded frame in order: its seconds from the first frame, the PyAV frame, and
# whether it is one of the sampled frames.
Analyse = Callable[[float, object, bool], None]


@dataclass(frozen=True)
class VideoFrame:
    path: Path
    timestamp: float  # seconds from the video's first frame


@dataclass(frozen=True)
class VideoInfo:
    rate: float  # the stream's average frames per second
    duration_s: float | None  # what the container says, if it does


@dataclass(frozen=True)
class VideoRead:
    """The sampled `frames`; `end_s`: where the last decoded frame ends; `damage`: what could not be read."""

    frames: list[VideoFrame]
    end_s: float
    damage: str | None = None


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def probe(video: str | Path) -> VideoInfo:
    """The frame rate and duration `video` states; `ConfigError` if it cannot be opened."""
    av = require("av", "reading a video file")
    with _open(av, video) as container:
        stream = _stream(container, video)
        duration = container.duration  # in microseconds (FFmpeg's AV_TIME_BASE)
        return VideoInfo(_rate(stream), None if duration is None else duration / 1_000_000)


def estimated_frame_count(video: str | Path, fps: float) -> int | None:
    """How many frames `extract_frames` will give, from the container's duration, if it says."""
    try:
        duration = probe(video).duration_s
    except ConfigError:
        return None
    return None if duration is None else max(1, int(duration * fps + 0.5))


def extract_frames(
    video: str | Path, folder: Path, fps: float, on_frame: Callable[[int], None] | None = None
) -> list[VideoFrame]:
    """`video` at `fps` frames per second as JPEG files in `folder`; `ConfigError` if it cannot be read."""
    return read_video(video, folder, fps, on_frame).frames


def read_video(
    video: str | Path,
    folder: Path,
    fps: float,
    on_frame: Callable[[int], None] | None = None,
    analyse: Analyse | None = None,
) -> VideoRead:
    """`video` sampled at `fps` into `folder`, every decoded frame shown to `analyse`.

    `ConfigError` when nothing can be decoded; damage after the first frame is logged and said
    in `VideoRead.damage`, with what was decoded kept.
    """
    av = require("av", "reading a video file")
    frames: list[VideoFrame] = []
    damaged: list[float] = []  # seconds (from the first frame) of each packet that failed
    stopped: str | None = None
    with _open(av, video) as container:
        stream = _stream(container, video)
        stream.thread_type = "AUTO"  # FFmpeg's own frame threads; every frame is decoded anyway
        rate = _rate(stream)
        base = stream.time_base
        origin: float | None = None
        time = 0.0
        decoded = 0
        due = 0  # the next sampling point, in units of 1 / fps from the first frame
        try:
            for packet in container.demux(stream):
                try:
                    pictures = packet.decode()
                except av.error.FFmpegError:
                    at = float(packet.pts * base) if packet.pts is not None and base else time
                    damaged.append(at - (origin or 0.0))
                    continue
                for frame in pictures:
                    seconds = frame.time if frame.time is not None else decoded / rate
                    origin = seconds if origin is None else origin
                    time = seconds - origin
                    decoded += 1
                    sampled = time + _EPSILON_S >= due / fps
                    if sampled:
                        path = folder / f"frame_{len(frames) + 1:06d}.jpg"
                        frame.to_image().save(path, "JPEG", quality=JPEG_QUALITY)
                        frames.append(VideoFrame(path, round(time, 6)))
                        while due / fps <= time + _EPSILON_S:  # past a gap in the video, too
                            due += 1
                        if on_frame is not None:
                            on_frame(1)
                    if analyse is not None:
                        analyse(time, frame, sampled)
        except av.error.FFmpegError as err:
            # The container itself is damaged from here on: keep what decoded, as ffmpeg does.
            stopped = f"reading stopped at {time:.1f} s: {err.strerror or err}"
    if not frames:
        reason = stopped or (f"{len(damaged)} packets could not be decoded" if damaged else "no frames")
        raise ConfigError(f"cannot decode video {video}: {reason}")
    damage = _damage(damaged, stopped)
    if damage:
        log.warning("%s: %s; the %d frames sampled are what could be decoded", video, damage, len(frames))
    log.info("%s: %d frames decoded, %d sampled at %g fps", video, decoded, len(frames), fps)
    return VideoRead(frames, round(time + 1 / rate, 6), damage)


def _open(av, video: str | Path):
    try:
        return av.open(str(video))
    except av.error.FFmpegError as err:
        raise ConfigError(f"cannot open video {video}: {err.strerror or err}") from None


def _stream(container, video: str | Path):
    if not container.streams.video:
        raise ConfigError(f"no video stream in {video}")
    return container.streams.video[0]


def _rate(stream) -> float:
    return float(stream.average_rate or stream.guessed_rate or DEFAULT_RATE)


def _damage(damaged: list[float], stopped: str | None) -> str | None:
    parts = []
    if damaged:
        parts.append(
            f"{len(damaged)} damaged packets between {min(damaged):.1f} s and {max(damaged):.1f} s "
            "could not be decoded"
        )
    if stopped:
        parts.append(stopped)
    return "; ".join(parts) or None
