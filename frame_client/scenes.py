"""`describe_scenes`: one description per shot, given to every frame of the shot.

A video's frames at 1 fps are mostly the same shot again: describing one representative frame
per shot and giving that description to the shot's other frames divides the frames sent by
the frames-per-shot ratio. Shots come from `shots.py`; descriptions from `describe_frames`, one
call for the representatives and, for the shots whose representative failed, one more call
with another frame of each. Every input frame still gets a result, in input order, and each
result says in `keyframe` which frame it was described from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from .client import describe_frames
from .extra import require
from .failures import ConfigError, EndpointError, RunInterrupted
from .frames import FrameInput
from .results import INTERRUPTED, FrameResult, aborted
from .transport import resolve_endpoint

if TYPE_CHECKING:
    from .shots import ShotFrames

log = logging.getLogger(__name__)

# ContentDetector's own default; at 1 fps the synthetic set's hard cuts score 45-100, a slow
# pan 8-12, heavy noise about 5, and the steps of a 4-second fade about 20 (bench/studies/scenes.py).
DEFAULT_SCENE_THRESHOLD = 27.0
# PySceneDetect's default of 15 frames is 15 s at 1 fps and merges real shots; 1 allows a cut
# at every frame.
DEFAULT_MIN_SCENE_FRAMES = 1


@dataclass(frozen=True)
class SceneSettings:
    """How shots are found: see `shots.find_shots` for what each setting means."""

    threshold: float = DEFAULT_SCENE_THRESHOLD
    min_scene_frames: int = DEFAULT_MIN_SCENE_FRAMES

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)):
            raise ConfigError(f"scene threshold must be a number, not {self.threshold!r}.")
        if not 0 < self.threshold <= 255:
            raise ConfigError(f"scene threshold must be above 0 and at most 255, not {self.threshold!r}.")
        value = self.min_scene_frames
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"min_scene_frames must be a whole number of at least 1, not {value!r}.")


def shot_detection() -> ModuleType:
    """The `shots` module, or `ConfigError` when the `scenes` extra is not installed."""
    return require("frame_client.shots", "scene detection")


def find_video_shots(
    frames: Sequence[FrameInput],
    settings: SceneSettings | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> list[ShotFrames]:
    """The shots of `frames` (video order), as `shots.ShotFrames`; `on_frame(1)` after each frame is read."""
    shots = shot_detection()
    settings = settings or SceneSettings()
    started = time.perf_counter()
    found = shots.find_shots(
        (shots.small_frame(frame) for frame in frames),
        settings.threshold,
        settings.min_scene_frames,
        on_frame=on_frame,
    )
    elapsed = time.perf_counter() - started
    log.info(
        "%d frames in %d shots, found in %.1f s (%.1f ms a frame)",
        len(frames),
        len(found),
        elapsed,
        1000 * elapsed / max(1, len(frames)),
    )
    return found


def describe_shots(
    frames: Sequence[FrameInput],
    shots: Sequence[ShotFrames],
    *,
    on_sending: Callable[[int], None] | None = None,
    **describe_options,
) -> list[FrameResult]:
    """Describe each shot's representative (then an alternate where it failed) and fan out.

    `describe_options` go to `describe_frames` (endpoint, key, batching, prompt, options,
    `resume` and `on_progress`, which counts frames sent). `on_sending(n)` is called before each
    call to the endpoint with the number of frames about to be sent. An `EndpointError` or
    `RunInterrupted` from either call carries `results` over all `frames`, as from one call.
    """
    results: list[FrameResult | None] = [None] * len(frames)
    sent = 0

    def settle(shot: ShotFrames, result: FrameResult, keyframe: int) -> None:
        for index in shot.frames:
            results[index] = FrameResult.of(result, keyframe)

    def send(for_shots: list[ShotFrames], indices: list[int]) -> list[FrameResult]:
        nonlocal sent
        if not indices:
            return []
        if on_sending is not None:
            on_sending(len(indices))
        sent += len(indices)
        try:
            return describe_frames([frames[i] for i in indices], **describe_options)
        except (EndpointError, RunInterrupted) as err:  # keep what settled, over all frames
            if err.results is not None:
                for shot, result, keyframe in zip(for_shots, err.results, indices, strict=True):
                    settle(shot, result, keyframe)
                reason = INTERRUPTED if isinstance(err, RunInterrupted) else str(err)
                err.results = aborted(results, reason)
            raise

    retry: list[ShotFrames] = []
    for shot, result in zip(shots, send(list(shots), [s.representative for s in shots]), strict=True):
        if result.ok or not shot.alternates:
            settle(shot, result, shot.representative)
        else:
            log.info(
                "frame %d failed (%s); describing frame %d of its shot instead",
                shot.representative,
                result.error,
                shot.alternates[0],
            )
            retry.append(shot)
    for shot, result in zip(retry, send(retry, [s.alternates[0] for s in retry]), strict=True):
        settle(shot, result, shot.alternates[0])

    failed = sum(1 for r in results if not r.ok)
    log.info(
        "%d frames in %d shots: %d frames sent, %d answered (%d described, %d failed)",
        len(frames),
        len(shots),
        sent,
        len(frames),
        len(frames) - failed,
        failed,
    )
    return results


def describe_scenes(
    frames: Iterable[FrameInput],
    *,
    settings: SceneSettings | None = None,
    on_sending: Callable[[int], None] | None = None,
    **describe_options,
) -> list[FrameResult]:
    """`describe_frames` by shot: `frames` in video order, one result per frame, each with `keyframe`.

    Frames that cannot be decoded here (URLs, unreadable files) are shots of their own. Raises
    `ConfigError` before any work when the endpoint, the key or the `scenes` extra is missing.
    """
    resolve_endpoint(describe_options.get("endpoint_url"), describe_options.get("api_key"))
    items = list(frames)
    shots = find_video_shots(items, settings)
    return describe_shots(items, shots, on_sending=on_sending, **describe_options)


def scene_fields(results: Sequence[FrameResult]) -> dict:
    """`keyframe_of` (per frame, the index whose result it carries) and `keyframes` (those indices)."""
    keyframe_of = [index if r.keyframe is None else r.keyframe for index, r in enumerate(results)]
    return {"keyframe_of": keyframe_of, "keyframes": sorted(set(keyframe_of))}


def frame_timestamps(count: int, fps: float) -> list[float]:
    """Seconds of each of `count` frames taken at `fps`, from the first."""
    return [round(index / fps, 6) for index in range(count)]
