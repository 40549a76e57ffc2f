"""How the camera moves in a shot, measured from the frames inside it (OpenCV).

Between two frames a short time apart (a `Step`): corners of the first (`goodFeaturesToTrack`)
are followed into the second (`calcOpticalFlowPyrLK`), and the similarity transform that moves
most of them (shift, rotation and one scale) is fitted with RANSAC (`estimateAffinePartial2D`),
which leaves out the points on a subject that moves on its own. A shot's `Camera` reads its
steps: the net move a second (pan, tilt, zoom), how far the picture wanders around that steady
move (shake), and one label, in the camera's own terms: content moving left is a pan right.

Needs the `scenes` extra (numpy, opencv).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .results import Camera

# A step is trusted when this many tracked corners, and this share of them, move together.
MIN_INLIERS = 12
MIN_INLIER_SHARE = 0.5
# Frames further apart than this (1-fps frames of a fast move) are not tracked reliably.
MAX_STEP_SHIFT = 0.25  # frame widths or heights
# Mean absolute grey difference (0-255) under which two frames are one picture: a still with
# nothing to track (a flat title card) is still static.
SAME_PICTURE = 0.5
# Fewer trusted steps than this share of a shot's steps: `unknown`.
MIN_TRUSTED_SHARE = 0.5
# Net moves slower than this (frame widths or heights a second, or log scale a second) are no move.
MOVE_RATE = 0.02
# A picture that wanders more than this (frame widths, RMS) around its steady move is handheld.
SHAKE = 0.004


@dataclass(frozen=True)
class Step:
    """The picture's move from the frame at `t0` to the frame at `t1` (seconds), as its content sees it.

    `dx`: frame widths, + to the right; `dy`: frame heights, + downwards; `dz`: log of the scale,
    + growing. `trusted` False when the frames could not be tracked (the other fields are 0).
    """

    t0: float
    t1: float
    dx: float = 0.0
    dy: float = 0.0
    dz: float = 0.0
    trusted: bool = True


def grey(frame_bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)


def measure_step(before: np.ndarray, after: np.ndarray, t0: float, t1: float) -> Step:
    """The move from grey frame `before` (at `t0`) to grey frame `after` (at `t1`), same size."""
    height, width = before.shape
    if float(np.mean(cv2.absdiff(before, after))) < SAME_PICTURE:
        return Step(t0, t1)
    untrusted = Step(t0, t1, trusted=False)
    corners = cv2.goodFeaturesToTrack(before, maxCorners=300, qualityLevel=0.01, minDistance=5, blockSize=5)
    if corners is None or len(corners) < MIN_INLIERS:
        return untrusted
    moved, status, _ = cv2.calcOpticalFlowPyrLK(before, after, corners, None, winSize=(21, 21), maxLevel=3)
    tracked = status.ravel() == 1
    if tracked.sum() < MIN_INLIERS:
        return untrusted
    matrix, inliers = cv2.estimateAffinePartial2D(
        corners[tracked], moved[tracked], method=cv2.RANSAC, ransacReprojThreshold=1.0
    )
    if matrix is None or inliers.sum() < max(MIN_INLIERS, MIN_INLIER_SHARE * tracked.sum()):
        return untrusted
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    centre = np.array([width / 2, height / 2])
    shift = matrix[:, :2] @ centre + matrix[:, 2] - centre  # where the centre of the picture goes
    dx, dy = shift[0] / width, shift[1] / height
    if max(abs(dx), abs(dy)) > MAX_STEP_SHIFT:
        return untrusted
    return Step(t0, t1, float(dx), float(dy), math.log(scale))


def camera_of(steps: Sequence[Step]) -> Camera:
    """The camera over `steps` (one shot's, in order): rates a second, shake and label (`Camera`)."""
    trusted = [s for s in steps if s.trusted and s.t1 > s.t0]
    if not trusted or len(trusted) < MIN_TRUSTED_SHARE * len(steps):
        return Camera()
    seconds = sum(s.t1 - s.t0 for s in trusted)
    # Content moving left is the camera turning right; content moving down, the camera tilting up.
    pan = -sum(s.dx for s in trusted) / seconds
    tilt = sum(s.dy for s in trusted) / seconds
    zoom = sum(s.dz for s in trusted) / seconds
    # The picture's path against the steady move at those rates: what is left is shake.
    x = y = elapsed = 0.0
    wander = []
    for step in trusted:
        x, y, elapsed = x + step.dx, y + step.dy, elapsed + step.t1 - step.t0
        wander.append((x + pan * elapsed) ** 2 + (y - tilt * elapsed) ** 2)
    shake = math.sqrt(sum(wander) / len(wander))
    return Camera(
        _label(pan, tilt, zoom, shake), round(pan, 4), round(tilt, 4), round(zoom, 4), round(shake, 4)
    )


def _label(pan: float, tilt: float, zoom: float, shake: float) -> str:
    rate, name = max(
        (abs(pan), "pan_right" if pan > 0 else "pan_left"),
        (abs(tilt), "tilt_up" if tilt > 0 else "tilt_down"),
        (abs(zoom), "zoom_in" if zoom > 0 else "zoom_out"),
    )
    if rate >= MOVE_RATE:
        return name
    return "handheld" if shake >= SHAKE else "static"
