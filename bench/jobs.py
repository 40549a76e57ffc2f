"""The real caller's pattern: 5-frame jobs, one at a time or ten at once, against one engine.

A job here does what `frame_describer.worker` does for a base64 job, without runpod: it
announces its frames to the shared engine, decodes and preprocesses them on the frame
threads, submits each as soon as it is ready and waits for every description. The clock
covers all of it, so preprocessing overlapping with generation is part of the figure.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from frame_describer.batching import Outcome
from frame_describer.engine import DescriptionEngine

from .context import BenchContext
from .engines import tally, watched_engine
from .records import OutOfMemory, RunRecord
from .timing import measured


def run_jobs(
    ctx: BenchContext, *, concurrent: bool, jobs: int, frames_per_job: int, batch_size: int
) -> RunRecord:
    """`jobs` jobs of `frames_per_job` frames each; all submitted at once when `concurrent`."""
    frames = ctx.frames[: jobs * frames_per_job]
    job_frames = [frames[i : i + frames_per_job] for i in range(0, len(frames), frames_per_job)]
    engine, watch = watched_engine(ctx, batch_size)
    with ThreadPoolExecutor(ctx.frame_workers, thread_name_prefix="frames") as frame_pool:

        def one_job(datas: list[bytes]) -> list[Outcome]:
            return _run_job(ctx, engine, frame_pool, datas)

        with measured(ctx.device) as timing:
            if concurrent:
                with ThreadPoolExecutor(len(job_frames), thread_name_prefix="jobs") as job_pool:
                    results = list(job_pool.map(one_job, job_frames))
            else:
                results = [one_job(datas) for datas in job_frames]
    if watch.out_of_memory:
        raise OutOfMemory(f"a batch of up to {batch_size} ran out of GPU memory")
    outcomes = [outcome for result in results for outcome in result]
    new_tokens, failed, reason = tally(outcomes)
    probe = ctx.prepared(1)[0]
    return RunRecord(
        mode="jobs_concurrent" if concurrent else "jobs_sequential",
        batch_size=batch_size,
        frames=len(outcomes),
        seconds=timing.seconds,
        peak_gpu_gib=timing.peak_gpu_gib,
        image_tokens_per_frame=probe.image_tokens,
        text_tokens_per_frame=ctx.text_tokens(probe),
        new_tokens_per_frame=new_tokens,
        batches=engine.stats.batches,
        failed=failed,
        largest_batch=engine.stats.largest_batch,
        note=f"{len(job_frames)} jobs of {frames_per_job} frames" + (f"; {reason}" if reason else ""),
    )


def _run_job(
    ctx: BenchContext, engine: DescriptionEngine, frame_pool: ThreadPoolExecutor, datas: list[bytes]
) -> list[Outcome]:
    engine.announce(len(datas))

    def prepare_and_submit(data: bytes) -> Future:
        try:
            prepared = ctx.prepare(data)
        except BaseException:
            engine.withdraw()
            raise
        return engine.submit(prepared, announced=True)

    futures = [frame_pool.submit(prepare_and_submit, data) for data in datas]
    return [future.result().result() for future in futures]
