"""The public `describe_frames`: every frame on its own (`client.py`), or one frame per shot (`scenes.py`).

Sits above both, so that `scenes` builds on `client` and nothing points back.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from . import client
from .frames import FrameInput
from .results import FrameResult
from .scenes import SceneSettings, describe_scenes


def describe_frames(
    frames: Iterable[FrameInput], *, scenes: bool | SceneSettings = False, **options
) -> list[FrameResult]:
    """`client.describe_frames(frames, **options)`: see there for `options`, what it returns and raises.

    `scenes=True` (or a `SceneSettings`) takes `frames` as one video in order and describes one
    frame per shot, each result carrying the description of its shot's `keyframe`: see
    `scenes.describe_scenes`. It needs the `scenes` extra; `on_progress` then counts frames sent.
    """
    if not scenes:
        return client.describe_frames(frames, **options)
    settings = scenes if isinstance(scenes, SceneSettings) else None
    return describe_scenes(frames, settings=settings, **options)


# The signature a reader (and `help`, an IDE) sees: client's keyword options, plus `scenes`.
describe_frames.__signature__ = inspect.Signature(
    [
        *inspect.signature(client.describe_frames).parameters.values(),
        inspect.Parameter("scenes", inspect.Parameter.KEYWORD_ONLY, default=False),
    ],
    return_annotation=inspect.signature(client.describe_frames).return_annotation,
)
