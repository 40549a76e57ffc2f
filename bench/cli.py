"""`python -m bench`: the worker's throughput beside the earlier worker's loop, in one run.

Builds the model (`--model`), makes real-looking frames, warms up, then runs the modes in
order: `baseline` (one frame per generate call), `batched` (the worker's engine at each batch
size until out-of-memory), `jobs_sequential` and `jobs_concurrent` (the caller's 5-frame
jobs, one at a time and ten at once). After every run the results file is rewritten; at the
end a table is printed. `--memory-table` prints the arithmetic peak-memory estimate for the
full model on a 24 GB card and exits without building a model.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shlex
import sys
from pathlib import Path

import torch

from frame_describer.batching import BatchGenerator, GenerationOptions
from frame_describer.prompt import DEFAULT_PROMPT
from frame_describer.settings import Settings

from . import card, memory, models, report
from .baseline import run_baseline
from .batched import run_batched
from .context import BenchContext
from .frames import FRAME_SIZE, synthetic_frames
from .jobs import run_jobs
from .records import MODES, OutOfMemory, RunRecord, Skipped

log = logging.getLogger("bench")

# Image tokens the real processor gives per frame size (anyres, default pinpoints); the
# full-size processor built here must agree. 854x480 is a hair wider than 16:9 and loses a row pair.
EXPECTED_IMAGE_TOKENS = {(854, 480): 1850, (1280, 720): 1948, (1920, 1080): 1948, (640, 480): 2340}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--model", help="tiny, full or a MODEL_ID (default: full on CUDA, tiny on CPU, or MODEL_ID)")
    add("--dtype", choices=["float16", "bfloat16", "float32"], help="default: float16 on CUDA, else float32")
    add("--attn", default="sdpa", choices=["sdpa", "eager", "flash_attention_2"])
    add("--static-cache", action="store_true", help='generate with cache_implementation="static"')
    add("--new-tokens", type=int, default=150, help="forced output length per frame (default 150)")
    add("--frames", type=int, help="frames per run (default: 4 for baseline, 2 x batch size batched)")
    add("--batch-sizes", default="1,2,4,8,16,32", help="batched mode's sizes, comma-separated")
    add("--modes", default=",".join(MODES), help="comma-separated subset of " + ",".join(MODES))
    add("--jobs", type=int, default=10, help="jobs in the jobs modes (default 10)")
    add("--frames-per-job", type=int, default=5)
    add("--jobs-batch-size", type=int, help="jobs modes' engine batch size (default: best batched)")
    add("--frame-size", default="x".join(map(str, FRAME_SIZE)), help="WIDTHxHEIGHT (default 854x480)")
    add("--output", type=Path, help="results file (default: bench/results/<device>[-variant].json)")
    add("--memory-table", action="store_true", help="print the 24 GB card's memory estimate and exit")
    args = parser.parse_args(argv)
    args.command = ("python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)).rstrip()
    args.batch_sizes = sorted(int(b) for b in args.batch_sizes.split(","))
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes or set(args.modes) - set(MODES):
        parser.error(f"--modes takes a comma-separated subset of {', '.join(MODES)}")
    args.frame_size = tuple(int(n) for n in args.frame_size.lower().split("x"))
    return args


def main(argv: list[str] | None = None) -> Path | None:
    """Run the benchmark as `argv` says; returns the results file."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.memory_table:
        print(card.estimate_text())
        return None
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    threads = torch.get_num_threads()
    if device.type == "cpu":
        # NOTE: on a busy 2-core machine the main thread's 2-thread OpenMP team ran the tiny model
        # ~20x slower than one thread, while the engine's own thread did not: that skewed baseline
        # against engine. The tiny model gains nothing from intra-op threads.
        torch.set_num_threads(1)
    try:
        return _bench(args, device)
    finally:
        torch.set_num_threads(threads)


def _bench(args: argparse.Namespace, device: torch.device) -> Path:
    """Build the model and frames, warm up, run the plan; the results file is kept up to date."""
    settings = Settings.from_env()
    dtype = args.dtype or models.default_dtype(device)
    loaded, label = models.build(
        args.model or models.default_choice(settings), dtype, args.attn, DEFAULT_PROMPT
    )
    if args.static_cache:
        # NOTE: transformers compiles the decoding step for a static cache on CUDA, once per shape.
        loaded.model.generation_config.cache_implementation = "static"
    plan = _plan(args)
    ctx = BenchContext(
        loaded=loaded,
        prompt=DEFAULT_PROMPT,
        new_tokens=args.new_tokens,
        frames=synthetic_frames(max(count for _, _, count in plan), args.frame_size),
        static_cache=args.static_cache,
        batch_wait_s=settings.batch_wait_ms / 1000,
        frame_workers=settings.fetch_concurrency,
        max_image_pixels=settings.max_image_pixels,
    )
    header = _header(args, ctx, label, dtype, settings)
    output = args.output or report.default_output(device, _variant(args, label, device, dtype))
    shapes = memory.Shapes.of(loaded.model.config, header["parameters"])

    def save(runs: list[RunRecord], skipped: list[Skipped]) -> None:
        block = (
            card.memory_block(shapes, runs, args.new_tokens, loaded.dtype.itemsize)
            if label == "full-random"
            else {}
        )
        report.write(output, header, runs, skipped, block)

    _warm_up(ctx)
    runs, skipped = _run_plan(ctx, args, plan, shapes, settings.max_batch_size, save)
    print(report.table(runs, skipped))
    print(report.summary_text(runs))
    print(f"results written to {output}")
    return output


def _plan(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(mode, batch size, frames) for every run, in order; the jobs modes' batch size comes later."""
    plan = []
    if "baseline" in args.modes:
        plan.append(("baseline", 1, args.frames or 4))
    if "batched" in args.modes:
        # Two batches per size: enough to see whether a size is steady, and the slow small sizes stay short.
        plan += [("batched", b, args.frames or 2 * b) for b in args.batch_sizes]
    plan += [
        (m, 0, args.jobs * args.frames_per_job)
        for m in ("jobs_sequential", "jobs_concurrent")
        if m in args.modes
    ]
    return plan


def _run_plan(ctx: BenchContext, args, plan, shapes: memory.Shapes, default_batch: int, save):
    """Every planned run; out-of-memory ends the batch-size sweep, any other failure skips one run."""
    runs: list[RunRecord] = []
    skipped: list[Skipped] = []
    out_of_memory = False
    for mode, batch_size, count in plan:
        if mode.startswith("jobs"):
            batch_size = args.jobs_batch_size or _best_batch(runs) or default_batch
        if mode == "batched" and out_of_memory:
            skipped.append(Skipped(mode, batch_size, "not tried: a smaller batch ran out of GPU memory"))
            continue
        log.info("running %s at batch size %d on %d frames", mode, batch_size, count)
        try:
            record = _run(ctx, args, mode, batch_size, count)
        except (OutOfMemory, torch.cuda.OutOfMemoryError) as err:
            out_of_memory = out_of_memory or mode == "batched"
            log.warning("%s at batch size %d: %s", mode, batch_size, err)
            skipped.append(Skipped(mode, batch_size, f"out of GPU memory: {err}".splitlines()[0][:200]))
            torch.cuda.empty_cache()
        except Exception as err:  # one broken mode must not cost the others their figures
            log.exception("%s at batch size %d failed", mode, batch_size)
            skipped.append(Skipped(mode, batch_size, f"{type(err).__name__}: {err}".splitlines()[0][:200]))
        else:
            record.estimated_peak_gib = memory.estimate_peak_gib(
                shapes,
                record.batch_size,
                record.image_tokens_per_frame + record.text_tokens_per_frame,
                args.new_tokens,
                ctx.loaded.dtype.itemsize,
            )
            runs.append(record)
            log.info("%s at batch size %d: %.3f s per frame", mode, batch_size, record.s_per_frame)
        save(runs, skipped)
    return runs, skipped


def _run(ctx: BenchContext, args, mode: str, batch_size: int, count: int) -> RunRecord:
    if mode == "baseline":
        return run_baseline(ctx, count)
    if mode == "batched":
        return run_batched(ctx, batch_size, count)
    return run_jobs(
        ctx,
        concurrent=mode == "jobs_concurrent",
        jobs=args.jobs,
        frames_per_job=args.frames_per_job,
        batch_size=batch_size,
    )


def _header(args, ctx: BenchContext, label: str, dtype: str, settings: Settings) -> dict:
    """What the results file says about the whole run, after checking the image token count."""
    first = ctx.prepared(1)[0]
    expected = EXPECTED_IMAGE_TOKENS.get(args.frame_size)
    if label == "full-random" and expected is not None and first.image_tokens != expected:
        raise SystemExit(f"{first.image_tokens} image tokens per frame; the real processor gives {expected}")
    width, height = args.frame_size
    print(
        f"{label} on {report.device_name(ctx.device)}, {dtype}: {first.image_tokens} image tokens "
        f"and {ctx.text_tokens(first)} text tokens per {width}x{height} frame"
    )
    return {
        **report.environment(ctx.device),
        "command": args.command,
        "model": label,
        "parameters": sum(p.numel() for p in ctx.loaded.model.parameters()),
        "dtype": dtype,
        "attn_implementation": args.attn,
        "static_cache": args.static_cache,
        "new_tokens": args.new_tokens,
        "frame_size": f"{width}x{height}",
        "image_tokens_per_frame": first.image_tokens,
        "text_tokens_per_frame": ctx.text_tokens(first),
        "prompt": "frame_describer.prompt.DEFAULT_PROMPT",
        "engine": {"batch_wait_ms": settings.batch_wait_ms, "frame_workers": settings.fetch_concurrency},
        "jobs": {"jobs": args.jobs, "frames_per_job": args.frames_per_job},
    }


def _warm_up(ctx: BenchContext) -> None:
    """CUDA kernels, cuBLAS handles and allocator pools, before anything is timed."""
    # One token only with a static cache: a decoding step would compile for a shape no run uses.
    tokens = 1 if ctx.static_cache else min(4, ctx.new_tokens)
    options = GenerationOptions(max_new_tokens=tokens, min_new_tokens=tokens)
    frames = [dataclasses.replace(f, options=options) for f in ctx.prepared(2)]
    generator = BatchGenerator(ctx.loaded)
    generator.run(frames)
    generator.run(frames[:1])


def _best_batch(runs: list[RunRecord]) -> int | None:
    batched = [r for r in runs if r.mode == "batched"]
    return max(batched, key=lambda r: r.frames_per_s).batch_size if batched else None


def _variant(args: argparse.Namespace, label: str, device: torch.device, dtype: str) -> list[str]:
    """What differs from the device's default configuration, for the results file's name."""
    variant = []
    if label != ("full-random" if device.type == "cuda" else "tiny-random"):
        variant.append(label)
    if dtype != models.default_dtype(device):
        variant.append(dtype)
    if args.attn != "sdpa":
        variant.append(args.attn)
    if args.static_cache:
        variant.append("static-cache")
    return variant
