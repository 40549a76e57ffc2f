"""The shot list: what shot detection found (`Detection`) turned into one `results.Shot` per shot.

Two ways in. `detect_video`: a video decoded once by `video.read_video` with a
`video_analysis.VideoAnalysis` watching every frame; shots start at the cuts found at the
video's own rate and the camera is read from frames at up to `MOTION_FPS`. `detect_frames`:
frames only (a folder of 1-fps stills); `shots.find_shots` groups them as before, and the camera
is read from consecutive frames where they can be tracked (else `unknown`). Then `shot_list`
gives each shot its frames, keyframe (from the results), times and `Camera`.

Needs the `scenes` extra (numpy, opencv, PySceneDetect).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .camera import Step, camera_of, grey, measure_step
from .frames import FrameInput
from .results import FrameResult, Shot
from .shots import ShotFrames, find_shots, shots_from_cuts, small_frame
from .video import VideoRead, probe, read_video
from .video_analysis import VideoAnalysis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detection:
    """Shots found in one video's frames, and what their times and cameras are read from."""

    shots: list[ShotFrames]  # frame groups, each with its keyframe to describe
    timestamps: list[float]  # seconds of each input frame
    end_s: float  # where the last frame ends
    rate: float  # frames per second of the timeline: the video's own, or the frames' sampling rate
    steps: list[Step]  # camera steps over the whole video, in order
    cuts: list[float]  # seconds at which a shot starts: no step across one is any shot's
    starts: dict[int, float] | None = None  # a shot's start (by its first frame) where not its frame's time


def read_and_analyse(
    video: str, folder, fps: float, threshold: float, on_frame: Callable[[int], None] | None = None
) -> tuple[VideoRead, VideoAnalysis]:
    """`video` sampled at `fps` into `folder`, every frame watched for cuts and camera moves."""
    analysis = VideoAnalysis(threshold, probe(video).rate)
    read = read_video(video, folder, fps, on_frame, analysis.see)
    analysis.finish()
    return read, analysis


def detect_video(read: VideoRead, analysis: VideoAnalysis, min_scene_frames: int) -> Detection:
    """The shots of a video read with `analysis` watching: cuts at its own rate, mapped onto the samples."""
    times = [frame.timestamp for frame in read.frames]
    shots, starts = shots_from_cuts(times, analysis.cut_times, analysis.sample_hashes, min_scene_frames)
    log.info(
        "%d cuts at the video's own rate give %d shots over %d samples",
        len(analysis.cut_times),
        len(shots),
        len(times),
    )
    return Detection(
        shots,
        times,
        read.end_s,
        analysis.rate,
        analysis.steps,
        sorted(analysis.cut_times),
        {shot.frames[0]: start for shot, start in zip(shots, starts, strict=True)},
    )


def detect_frames(
    frames: Sequence[FrameInput],
    threshold: float,
    min_scene_frames: int,
    fps: float,
    on_frame: Callable[[int], None] | None = None,
) -> Detection:
    """The shots of `frames` (video order, `fps` apart), with camera steps between neighbours."""
    timestamps = [round(index / fps, 6) for index in range(len(frames))]
    steps: list[Step] = []

    def small_frames():
        previous = None  # (index, grey) of the last frame decoded
        for index, item in enumerate(frames):
            small = small_frame(item)
            if small is not None:
                picture = grey(small)
                if previous is not None and previous[0] == index - 1:
                    steps.append(measure_step(previous[1], picture, timestamps[index - 1], timestamps[index]))
                previous = (index, picture)
            yield small

    started = time.perf_counter()
    shots = find_shots(small_frames(), threshold, min_scene_frames, on_frame=on_frame)
    log.info("%d frames in %d shots, found in %.1f s", len(frames), len(shots), time.perf_counter() - started)
    cuts = [timestamps[first] for first, _ in _runs(shots)]
    return Detection(shots, timestamps, len(frames) / fps, fps, steps, cuts)


def shot_list(detection: Detection, results: Sequence[FrameResult]) -> list[Shot]:
    """One `Shot` per run of consecutive frames of one detected shot, in order, with its camera.

    A shot's frames are consecutive, except around a frame that could not be decoded (a shot of
    its own): the shot then appears once on each side of it, with the same keyframe.
    """
    starts = detection.starts or {}
    runs = _runs(detection.shots)
    begins = [starts.get(first, detection.timestamps[first]) for first, _ in runs]
    ends = begins[1:] + [detection.end_s]
    listed = []
    for (first, last), start_s, end_s in zip(runs, begins, ends, strict=True):
        keyframe = results[first].keyframe
        steps = [
            step
            for step in detection.steps
            if start_s <= step.t0
            and step.t1 <= end_s
            and not any(step.t0 < cut <= step.t1 for cut in detection.cuts)
        ]
        listed.append(
            Shot(
                first,
                last,
                first if keyframe is None else keyframe,
                start_s,
                round(end_s, 6),
                camera_of(steps),
            )
        )
    return listed


def _runs(shots: Sequence[ShotFrames]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive frames in `shots`, in frame order."""
    runs = []
    for shot in shots:
        first = previous = shot.frames[0]
        for index in shot.frames[1:]:
            if index != previous + 1:
                runs.append((first, previous))
                first = index
            previous = index
        runs.append((first, previous))
    return sorted(runs)
