"""Group the frames of a video into shots and choose, in each shot, the frame that describes it.

Each frame is decoded small (`small_frame`: Pillow's JPEG draft mode decodes at 1/2, 1/4 or
1/8 scale, about 10x faster than a full 1080p decode) and fed in video order to PySceneDetect's
`ContentDetector` through `process_frame`. A 64-bit difference hash of each frame collapses the
near-duplicates of a shot: its representative is the frame nearest the shot's majority hash
(its most typical frame, never a transition frame at either end when the rest agree), and its
alternates follow nearest first, to stand in when the representative cannot be described.

Needs the `scenes` extra (numpy, opencv and PySceneDetect); imported only when scenes are asked for.
"""

from __future__ import annotations

import bisect
import io
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image
from scenedetect import ContentDetector, FrameTimecode
from scenedetect.detector import FlashFilter

log = logging.getLogger(__name__)

# 256x144 keeps cuts and drops sensor noise; every frame is scaled to it, so frames of other
# sizes in one list still compare.
ANALYSIS_SIZE = (256, 144)
_HASH_SIZE = 8
_EPSILON_S = 1e-6  # timestamps are rationals turned into floats
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_UNREADABLE = (OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError)


@dataclass(frozen=True)
class ShotFrames:
    """Input indices of one shot's `frames`, the `representative` to describe, then `alternates`."""

    frames: tuple[int, ...]
    representative: int
    alternates: tuple[int, ...] = ()


def small_frame(item: object) -> np.ndarray | None:
    """`item` (a path, bytes or a PIL image) decoded at ANALYSIS_SIZE as BGR, or None if it cannot be.

    URLs are not fetched here: such a frame, like an unreadable one, is a shot of its own.
    """
    try:
        if isinstance(item, Image.Image):
            return _to_analysis(item)
        if isinstance(item, (bytes, bytearray, memoryview)):
            source = io.BytesIO(bytes(item))
        elif isinstance(item, (str, os.PathLike)) and not _URL.match(os.fspath(item)):
            source = item
        else:
            return None
        with Image.open(source) as image:
            image.draft("RGB", ANALYSIS_SIZE)  # JPEG only: decode at a reduced scale
            return _to_analysis(image)
    except _UNREADABLE as err:
        log.debug("frame left out of shot detection: %s", err)
        return None


def find_shots(
    small_frames: Iterable[np.ndarray | None],
    threshold: float,
    min_scene_frames: int,
    on_frame: Callable[[int], None] | None = None,
) -> list[ShotFrames]:
    """Shots of `small_frames` (video order; None for a frame that could not be decoded), in order.

    `threshold` is ContentDetector's: the weighted mean change of hue, saturation and luma
    (0-255) from one frame to the next that makes a cut. `min_scene_frames` is its
    `min_scene_len`, suppressing any cut closer than that to the previous one (PySceneDetect's
    default instead merges such cuts until a quiet stretch, which turns a quick montage into
    one shot). A frame that could not be
    decoded is a shot of its own, described on its own; the shot around it goes on past it.
    """
    detector = ContentDetector(
        threshold=threshold, min_scene_len=min_scene_frames, filter_mode=FlashFilter.Mode.SUPPRESS
    )
    analysed: list[int] = []  # input index of each decoded frame, in order
    hashes: list[np.ndarray] = []
    starts: set[int] = set()  # positions in `analysed` where a shot starts
    lone: list[ShotFrames] = []
    for index, frame in enumerate(small_frames):
        if frame is None:
            lone.append(ShotFrames((index,), index))
        else:
            cuts = detector.process_frame(FrameTimecode(len(analysed), fps=1.0), frame)
            starts.update(cut.frame_num for cut in cuts)
            analysed.append(index)
            hashes.append(difference_hash(frame))
        if on_frame is not None:
            on_frame(1)
    if lone:
        log.info("%d frames not decoded here (URLs or unreadable): each is a shot of its own", len(lone))
    if analysed:
        cuts = detector.post_process(FrameTimecode(len(analysed) - 1, fps=1.0))
        starts.update(cut.frame_num for cut in cuts)
    bounds = sorted({0, len(analysed)} | {s for s in starts if 0 < s < len(analysed)})
    shots = [
        _shot(analysed[start:end], np.stack(hashes[start:end]))
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    return sorted(shots + lone, key=lambda shot: shot.frames[0])


def difference_hash(frame: np.ndarray) -> np.ndarray:
    """64 bits: is each cell of an 8x8 grey thumbnail brighter than its left neighbour."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    thumbnail = cv2.resize(grey, (_HASH_SIZE + 1, _HASH_SIZE), interpolation=cv2.INTER_AREA)
    return (thumbnail[:, 1:] > thumbnail[:, :-1]).ravel()


def _shot(frames: list[int], hashes: np.ndarray) -> ShotFrames:
    majority = hashes.mean(axis=0) >= 0.5
    to_majority = (hashes != majority).sum(axis=1)
    middle = (len(frames) - 1) / 2
    # Nearest the majority; among equals (a still shot), nearest the middle of the shot.
    chosen = min(range(len(frames)), key=lambda k: (to_majority[k], abs(k - middle)))
    to_chosen = (hashes != hashes[chosen]).sum(axis=1)
    others = sorted(
        (k for k in range(len(frames)) if k != chosen), key=lambda k: (to_chosen[k], abs(k - chosen))
    )
    return ShotFrames(tuple(frames), frames[chosen], tuple(frames[k] for k in others))


def _to_analysis(image: Image.Image) -> np.ndarray:
    small = image.convert("RGB").resize(ANALYSIS_SIZE, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.ascontiguousarray(np.asarray(small)[:, :, ::-1])  # OpenCV's channel order


def shots_from_cuts(
    sample_times: Sequence[float],
    cut_times: Sequence[float],
    hashes: Sequence[np.ndarray],
    min_scene_frames: int,
) -> tuple[list[ShotFrames], list[float]]:
    """The sampled frames grouped by cuts found at the video's own rate, and each shot's start (seconds).

    A shot starts at the first sample at or after its cut, and at the cut's own time; two cuts
    before one sample start one shot, at the later. Cuts closer than `min_scene_frames` samples
    to the previous one are dropped. `hashes`: each sample's `difference_hash`, for the keyframe.
    """
    starts: dict[int, float] = {0: 0.0}
    for cut in sorted(cut_times):
        first = bisect.bisect_left(sample_times, cut - _EPSILON_S)
        if first < len(sample_times) and first - max(starts) >= min_scene_frames:
            starts[first] = cut
        elif first in starts and first:
            starts[first] = cut  # a later cut before the same sample
    bounds = sorted(starts) + [len(sample_times)]
    shots = [
        _shot(list(range(start, end)), np.stack(hashes[start:end]))
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    return shots, [starts[b] for b in bounds[:-1]]
