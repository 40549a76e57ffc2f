"""The worker's own path at one batch size: prepared frames through the engine, batch after batch.

Frames are preprocessed before the clock starts (the worker does that on other threads while
the GPU works; the jobs modes measure that overlap), so this isolates what the GPU does per
frame at a given batch size. A run that meets out-of-memory raises `OutOfMemory`.
"""

from __future__ import annotations

import dataclasses
import math

from frame_describer.batching import BatchGenerator, GenerationOptions

from .context import BenchContext
from .engines import tally, watched_engine
from .records import OutOfMemory, RunRecord
from .timing import decode_step_ms, measured


def run_batched(ctx: BenchContext, batch_size: int, count: int) -> RunRecord:
    """Describe `count` prepared frames through an engine whose batches hold `batch_size`."""
    frames = ctx.prepared(count)
    engine, watch = watched_engine(ctx, batch_size)
    if ctx.static_cache:
        # The static cache compiles the decoding step once per shape: keep that out of the timing.
        engine.describe(frames[:batch_size])
    with measured(ctx.device) as timing:
        outcomes = engine.describe(frames)
    if watch.out_of_memory:
        raise OutOfMemory(f"batch of {batch_size} ran out of GPU memory")
    batches = math.ceil(count / batch_size)
    prefill_s = _prefill_seconds(ctx, min(batch_size, count))
    new_tokens, failed, reason = tally(outcomes)
    return RunRecord(
        mode="batched",
        batch_size=batch_size,
        frames=count,
        seconds=timing.seconds,
        peak_gpu_gib=timing.peak_gpu_gib,
        image_tokens_per_frame=frames[0].image_tokens,
        text_tokens_per_frame=ctx.text_tokens(frames[0]),
        new_tokens_per_frame=new_tokens,
        batches=batches,
        failed=failed,
        prefill_s_per_frame=prefill_s / min(batch_size, count),
        decode_ms_per_step=decode_step_ms(timing.seconds / batches, prefill_s, ctx.new_tokens),
        prepare_s_per_frame=ctx.prepare_s_per_frame,
        largest_batch=engine.stats.largest_batch,
        note=reason,
    )


def _prefill_seconds(ctx: BenchContext, batch_size: int) -> float:
    """One batch generating a single token: the prompt pass alone, without decoding steps."""
    one_token = GenerationOptions(max_new_tokens=1, min_new_tokens=1)
    frames = [dataclasses.replace(f, options=one_token) for f in ctx.prepared(batch_size)]
    generator = BatchGenerator(ctx.loaded)
    with measured(ctx.device) as timing:
        generator.run(frames)
    return timing.seconds
