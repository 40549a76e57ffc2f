"""`describe_frames`: every frame of a video through the endpoint, each result on its own frame.

Wires the parts together: resolve the endpoint, load and deduplicate the frames, split the
unique ones into jobs, run them in the rolling pool, and fan each result out to every input
position that holds the same frame. Results come back in input order, one per input.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .failures import ConfigError
from .frames import Frame, FrameInput, FrameLoadError, load_frame
from .jobs import plan_jobs
from .options import ClientOptions
from .pool import run_pool
from .results import FrameResult
from .runner import JobRunner
from .transport import Endpoint, resolve_endpoint

if TYPE_CHECKING:
    from .scenes import SceneSettings

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 8
DEFAULT_CONCURRENCY = 8


def describe_frames(
    frames: Iterable[FrameInput],
    *,
    endpoint_url: str | None = None,
    api_key: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    prompt: str | None = None,
    max_new_tokens: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    options: ClientOptions | None = None,
    scenes: bool | SceneSettings = False,
) -> list[FrameResult]:
    """Describe `frames` (paths, bytes, PIL images, http(s) URLs); one `FrameResult` per frame, in order.

    `endpoint_url` defaults to `https://api.runpod.ai/v2/$RUNPOD_VISION_ENDPOINT_ID` and
    `api_key` to `$RUNPOD_API_KEY` (not needed on 127.0.0.1/localhost). `batch_size` frames go
    in one job (the worker takes at most its MAX_FRAMES_PER_JOB, 64 by default), `concurrency`
    jobs are in flight at once. `prompt` and `max_new_tokens` replace the worker's defaults.
    `on_progress(n)` is called from this thread as each `n` more frames get their final result.

    A frame that cannot be described gets `FrameResult(error=...)`; that never fails the call.
    Raises `ConfigError` before any request when the endpoint or the key is missing, and
    `EndpointError` when the endpoint refuses every request (bad key, no such endpoint).

    `scenes=True` (or a `SceneSettings`) takes `frames` as one video in order and describes one
    frame per shot, each result carrying the description of its shot's `keyframe`: see
    `scenes.describe_scenes`. It needs the `scenes` extra; `on_progress` then counts frames sent.
    """
    _check_arguments(batch_size, concurrency, prompt, max_new_tokens)
    if scenes:
        from .scenes import SceneSettings, describe_scenes  # here: scenes.py imports this module

        return describe_scenes(
            frames,
            settings=scenes if isinstance(scenes, SceneSettings) else None,
            endpoint_url=endpoint_url,
            api_key=api_key,
            batch_size=batch_size,
            concurrency=concurrency,
            prompt=prompt,
            max_new_tokens=max_new_tokens,
            on_progress=on_progress,
            options=options,
        )
    options = options or ClientOptions()
    endpoint = Endpoint(resolve_endpoint(endpoint_url, api_key), options)
    started = time.perf_counter()

    items = list(frames)
    results: list[FrameResult | None] = [None] * len(items)
    positions: dict[str, list[int]] = {}
    unique: list[Frame] = []

    def settle(frame: Frame, result: FrameResult) -> None:
        for index in positions[frame.key]:
            results[index] = result
        if on_progress is not None:
            on_progress(len(positions[frame.key]))

    for index, item in enumerate(items):
        try:
            frame = load_frame(item)
        except FrameLoadError as err:
            results[index] = FrameResult(error=str(err))
            if on_progress is not None:
                on_progress(1)
            continue
        if frame.key not in positions:
            positions[frame.key] = []
            unique.append(frame)
        positions[frame.key].append(index)

    plan = plan_jobs(unique, batch_size, options.max_payload_bytes, prompt, max_new_tokens)
    for frame, reason in plan.too_large:
        settle(frame, FrameResult(error=reason))
    runner = JobRunner(endpoint, options, prompt, max_new_tokens)
    stats = run_pool(
        plan.jobs,
        runner.run,
        concurrency,
        settle,
        retry_alone=options.retry_frames_alone,
        abort=endpoint.stop,
    )

    failed = sum(1 for r in results if not r.ok)
    log.info(
        "%d frames (%d unique) in %d jobs (%d attempts, %d frames retried alone): %d described, "
        "%d failed, %.1f s",
        len(items),
        len(unique),
        stats.jobs,
        stats.job_attempts,
        stats.solo_retries,
        len(items) - failed,
        failed,
        time.perf_counter() - started,
    )
    return results


def _check_arguments(
    batch_size: int, concurrency: int, prompt: str | None, max_new_tokens: int | None
) -> None:
    for name, value in (("batch_size", batch_size), ("concurrency", concurrency)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a whole number of at least 1, not {value!r}.")
    if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
        raise ConfigError("prompt must be a non-empty string.")
    if max_new_tokens is not None and (
        isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1
    ):
        raise ConfigError(f"max_new_tokens must be a whole number of at least 1, not {max_new_tokens!r}.")
