"""A fresh worker engine per run, watched for out-of-memory, and what its outcomes add up to.

The worker's `BatchGenerator` turns out-of-memory into smaller batches, which keeps jobs alive
but would let a benchmark time split batches without noticing. The watch sees every OOM on
its way to that fallback, so the run can be reported as not fitting instead.
"""

from __future__ import annotations

from frame_describer.batching import BatchGenerator, Description, Outcome, is_out_of_memory
from frame_describer.engine import DescriptionEngine

from .context import BenchContext


class OomWatch:
    """Wraps a generate function and counts the CUDA out-of-memory errors passing through it."""

    def __init__(self, generate):
        self.generate = generate
        self.out_of_memory = 0

    def __call__(self, **kwargs):
        try:
            return self.generate(**kwargs)
        except Exception as err:
            # The worker splits the batch on every form of out-of-memory: each means it did not fit.
            if is_out_of_memory(err):
                self.out_of_memory += 1
            raise


def watched_engine(ctx: BenchContext, max_batch_size: int) -> tuple[DescriptionEngine, OomWatch]:
    """The worker's engine over the loaded model, with the worker's batch wait."""
    generator = BatchGenerator(ctx.loaded)
    watch = OomWatch(generator.generate)
    generator.generate = watch
    return DescriptionEngine(generator, max_batch_size, ctx.batch_wait_s), watch


def tally(outcomes: list[Outcome]) -> tuple[float, int, str]:
    """Mean new tokens of the described frames, how many failed, and the first failure's reason.

    Raises when no frame was described: such a run timed failures, not generation.
    """
    described = [o for o in outcomes if isinstance(o, Description)]
    failures = [str(o) for o in outcomes if not isinstance(o, Description)]
    if not described:
        raise RuntimeError(f"no frame was described: {failures[0] if failures else 'no frames'}")
    mean_tokens = sum(d.new_tokens for d in described) / len(described) if described else 0.0
    return mean_tokens, len(failures), failures[0] if failures else ""
