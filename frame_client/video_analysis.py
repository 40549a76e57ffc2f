"""A video's shots and camera moves, seen from every decoded frame as `video.read_video` decodes it.

Cuts are found at the video's own rate, where a cut is one frame to the next, not one sampled
second to the next (samples a second apart inside one moving shot differ as much as two shots
do): PySceneDetect's `ContentDetector` for hard cuts and its `ThresholdDetector` for fades
through black. Camera steps (`camera.measure_step`) are taken between frames at least
1 / MOTION_FPS seconds apart. The sampled frames' hashes pick each shot's keyframe
(`shots.shots_from_cuts`). Memory stays flat however long the video: one frame is kept.

Needs the `scenes` extra (numpy, opencv, PySceneDetect).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scenedetect import ContentDetector, FrameTimecode, ThresholdDetector
from scenedetect.detector import FlashFilter

from .camera import Step, grey, measure_step
from .shots import ANALYSIS_SIZE, difference_hash

# Camera steps are measured at about this rate (the floor is 4 a second); every frame of
# a video at this rate or slower.
MOTION_FPS = 10.0
# No two cuts closer than this at the video's rate: PySceneDetect's own default is 15 frames.
MIN_SHOT_S = 0.5
_EPSILON_S = 1e-3


@dataclass
class VideoAnalysis:
    """Feed with `see` (the `video.Analyse` callback); read `cut_times`, `steps`, `sample_hashes`."""

    threshold: float  # ContentDetector's, as for sampled frames (`scenes.SceneSettings`)
    rate: float  # the video's frames per second, for PySceneDetect's frame counts
    cut_times: list[float] = field(default_factory=list)  # seconds at which a new shot starts
    steps: list[Step] = field(default_factory=list)
    sample_hashes: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        min_frames = max(1, round(MIN_SHOT_S * self.rate))
        self._detectors = (
            ContentDetector(self.threshold, min_frames, filter_mode=FlashFilter.Mode.SUPPRESS),
            ThresholdDetector(min_scene_len=min_frames),
        )
        self._times: list[float] = []
        self._motion: tuple[float, np.ndarray] | None = None  # the last frame measured from

    def see(self, time: float, frame, sampled: bool) -> None:
        """One decoded PyAV frame, `time` seconds from the first, in order."""
        small = frame.to_ndarray(width=ANALYSIS_SIZE[0], height=ANALYSIS_SIZE[1], format="bgr24")
        self._times.append(time)
        self._cut(len(self._times) - 1, small)
        if sampled:
            self.sample_hashes.append(difference_hash(small))
        if self._motion is None or time >= self._motion[0] + 1 / MOTION_FPS - _EPSILON_S:
            picture = grey(small)
            if self._motion is not None:
                self.steps.append(measure_step(self._motion[1], picture, self._motion[0], time))
            self._motion = (time, picture)

    def finish(self) -> None:
        """After the last frame: the detectors' last word."""
        if self._times:
            self._cut(len(self._times) - 1, None)

    def _cut(self, index: int, small: np.ndarray | None) -> None:
        timecode = FrameTimecode(index, fps=self.rate)
        for detector in self._detectors:
            found = (
                detector.post_process(timecode) if small is None else detector.process_frame(timecode, small)
            )
            for cut in found:
                if 0 < cut.frame_num < len(self._times) and self._times[cut.frame_num] not in self.cut_times:
                    self.cut_times.append(self._times[cut.frame_num])
        self.cut_times.sort()
