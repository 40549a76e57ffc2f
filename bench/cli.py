"""`python -m bench`: the worker's throughput beside the earlier worker's loop, in one process.

Builds the model (`--model`: any supported family at full size with random weights, the tiny
one or a MODEL_ID), makes real-looking frames, warms up, then runs the modes in order
(`bench/runs.py`): `baseline`, `batched` at each batch size until out-of-memory, and the
caller's 5-frame jobs through the real worker (`jobs_sequential`, `jobs_concurrent`,
`jobs_production`). After every run the results file is rewritten atomically; at the end a
table is printed. `--memory-table` prints the arithmetic peak-memory estimate for the full-size
LLaVA-NeXT on a 24 GB card and exits without building a model.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from pathlib import Path

import torch

from frame_describer.prompt import DEFAULT_PROMPT
from frame_describer.settings import Settings

from . import memory, models, report, runs
from .frames import FRAME_SIZE, synthetic_frames
from .full_size import EXPECTED_IMAGE_TOKENS
from .records import RunRecord

log = logging.getLogger("bench")

MODES = ("baseline", "batched", "jobs_sequential", "jobs_concurrent", "jobs_production", "fields")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add(
        "--model",
        help=f"a family ({', '.join(models.FAMILIES)}; full = llava_next) at full size with random "
        "weights, tiny, or a MODEL_ID (default: full on CUDA, tiny on CPU, or MODEL_ID)",
    )
    add("--layers", type=int, help="with a family: keep N layers per tower at real widths (CPU dry run)")
    add(
        "--dtype",
        choices=["float16", "bfloat16", "float32"],
        help="default on CUDA: the family's own (float16 for LLaVA, bfloat16 for most), else float32",
    )
    add("--attn", default="sdpa", choices=["sdpa", "eager", "flash_attention_2"])
    add("--static-cache", action="store_true", help='generate with cache_implementation="static"')
    add("--new-tokens", type=int, default=150, help="forced output length per frame (default 150)")
    add("--frames", type=int, help="frames per run (default: 4 for baseline, 2 x batch size batched)")
    add("--batch-sizes", default="1,2,4,8,16,32", help="batched mode's sizes, comma-separated")
    add("--modes", default=",".join(MODES), help="comma-separated subset of " + ",".join(MODES))
    add("--jobs", type=int, default=10, help="jobs in the jobs modes (default 10)")
    add("--frames-per-job", type=int, default=5)
    add("--jobs-batch-size", type=int, help="jobs modes' batch size (default: best batched)")
    add("--frame-size", default="x".join(map(str, FRAME_SIZE)), help="WIDTHxHEIGHT (default 854x480)")
    add("--output", type=Path, help="results file (default: <results-dir>/<device>[-<model>][-variant].json)")
    add("--results-dir", type=Path, default=report.RESULTS_DIR, help="default: bench/results")
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
        print(memory.estimate_text())
        return None
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    threads = torch.get_num_threads()
    if device.type == "cpu" and args.layers is None:
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
    choice = args.model or models.default_choice(settings)
    dtype = args.dtype or models.default_dtype(device, choice)
    loaded, label = models.build(choice, dtype, args.attn, DEFAULT_PROMPT, args.layers)
    if args.static_cache:
        # NOTE: transformers compiles the decoding step for a static cache on CUDA, once per shape.
        loaded.model.generation_config.cache_implementation = "static"
    plan = _plan(args)
    frame_count = max(count for _, _, count in plan)
    ctx = runs.BenchContext(
        loaded, settings, DEFAULT_PROMPT, args.new_tokens, synthetic_frames(frame_count, args.frame_size)
    )
    family = models.family_key(choice)
    header = _header(args, ctx, label, dtype, family)
    variant = _variant(args, choice, label, device, dtype)
    output = args.output or report.default_output(device, variant, args.results_dir)
    shapes = memory.Shapes.of(loaded.model.config, header["parameters"])

    records: list[RunRecord] = []
    skipped: list[dict] = []
    out_of_memory = False
    runs.warm_up(ctx, args.static_cache)
    for mode, batch_size, count in plan:
        if mode in ("jobs_sequential", "jobs_concurrent", "fields"):
            batch_size = args.jobs_batch_size or _best_batch(records) or settings.max_batch_size
        if mode == "fields":
            count = args.frames or 2 * batch_size  # as the batched run at that size: side by side
        if mode == "batched" and out_of_memory:
            skipped.append(_skip(mode, batch_size, "not tried: a smaller batch ran out of GPU memory"))
            continue
        log.info("running %s at batch size %d on %d frames", mode, batch_size, count)
        try:
            record = _run(ctx, args, mode, batch_size, count)
        except (runs.OutOfMemory, torch.cuda.OutOfMemoryError) as err:
            out_of_memory = out_of_memory or mode == "batched"
            skipped.append(_skip(mode, batch_size, f"out of GPU memory: {err}"))
            if device.type == "cuda":
                torch.cuda.empty_cache()
        except Exception as err:  # one broken mode must not cost the others their figures
            log.exception("%s at batch size %d failed", mode, batch_size)
            skipped.append(_skip(mode, batch_size, f"{type(err).__name__}: {err}"))
        else:
            record.estimated_peak_gib = memory.estimate_peak_gib(
                shapes,
                record.batch_size,
                record.image_tokens_per_frame + record.text_tokens_per_frame,
                args.new_tokens,
                loaded.dtype.itemsize,
            )
            records.append(record)
            log.info("%s at batch size %d: %.3f s per frame", mode, batch_size, record.s_per_frame)
        # The 24 GB card block sizes the default model's MAX_BATCH_SIZE only.
        on_card = family == "llava_next"
        card = memory.card_block(shapes, records, args.new_tokens, loaded.dtype.itemsize) if on_card else {}
        report.write(output, header, records, skipped, card)
    print(report.table(records, skipped))
    print(f"results written to {output}")
    return output


def _plan(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(mode, batch size, frames) for every run, in order; jobs modes' batch sizes come later."""
    plan = []
    if "baseline" in args.modes:
        plan.append(("baseline", 1, args.frames or 4))
    if "batched" in args.modes:
        # Two batches per size: enough to see whether a size is steady, and the slow small sizes stay short.
        plan += [("batched", b, args.frames or 2 * b) for b in args.batch_sizes]
    jobs_frames = args.jobs * args.frames_per_job
    plan += [(m, 0, jobs_frames) for m in ("jobs_sequential", "jobs_concurrent") if m in args.modes]
    if "jobs_production" in args.modes:
        plan.append(("jobs_production", Settings().max_batch_size, jobs_frames))
    if "fields" in args.modes:  # its batch size and frames come later: enough frames for either
        plan.append(("fields", 0, args.frames or 2 * max(args.batch_sizes + [Settings().max_batch_size])))
    return plan


def _run(ctx: runs.BenchContext, args, mode: str, batch_size: int, count: int) -> RunRecord:
    if mode == "baseline":
        return runs.run_baseline(ctx, count)
    if mode == "batched":
        return runs.run_batched(ctx, batch_size, count)
    if mode == "fields":
        return runs.run_fields(ctx, batch_size, count)
    # The production defaults, not this process's environment: what a deployed worker does.
    in_flight = {"jobs_sequential": 1, "jobs_concurrent": args.jobs}.get(mode, Settings().max_concurrent_jobs)
    jobs = dict(jobs=args.jobs, frames_per_job=args.frames_per_job)
    return runs.run_jobs(ctx, mode, batch_size=batch_size, in_flight=in_flight, **jobs)


def _skip(mode: str, batch_size: int, reason: str) -> dict:
    log.warning("%s at batch size %d not measured: %s", mode, batch_size, reason)
    return {"mode": mode, "batch_size": batch_size, "reason": reason.splitlines()[0][:200]}


def _header(args, ctx: runs.BenchContext, label: str, dtype: str, family: str | None) -> dict:
    """What the results file says about the whole run, after checking the image token count."""
    image_tokens, text_tokens = ctx.token_counts()
    expected = EXPECTED_IMAGE_TOKENS.get(family, {}).get(args.frame_size)
    if expected is not None and image_tokens != expected:
        raise SystemExit(f"{image_tokens} image tokens per frame; {family}'s real processor gives {expected}")
    width, height = args.frame_size
    print(
        f"{label} on {report.device_name(ctx.device)}, {dtype}: {image_tokens} image tokens "
        f"and {text_tokens} text tokens per {width}x{height} frame"
    )
    production = Settings()
    return {
        **report.environment(ctx.device),
        "command": args.command,
        "model": label,
        "family": ctx.loaded.family.name,
        "image_detail": ctx.loaded.image_detail,
        "parameters": sum(p.numel() for p in ctx.loaded.model.parameters()),
        "dtype": dtype,
        "attn_implementation": args.attn,
        "static_cache": args.static_cache,
        "new_tokens": args.new_tokens,
        "frame_size": f"{width}x{height}",
        "image_tokens_per_frame": image_tokens,
        "text_tokens_per_frame": text_tokens,
        "preprocess_s_per_frame": ctx.preprocess_s_per_frame,
        "prompt": "frame_describer.prompt.DEFAULT_PROMPT",
        "engine": {
            "batch_wait_ms": ctx.settings.batch_wait_ms,
            "frame_workers": ctx.settings.fetch_concurrency,
        },
        "jobs": {"jobs": args.jobs, "frames_per_job": args.frames_per_job},
        "production": {
            "max_batch_size": production.max_batch_size,
            "max_concurrent_jobs": production.max_concurrent_jobs,
        },
    }


def _best_batch(records: list[RunRecord]) -> int | None:
    batched = [r for r in records if r.mode == "batched"]
    return max(batched, key=lambda r: r.frames_per_s).batch_size if batched else None


def _variant(args, choice: str, label: str, device: torch.device, dtype: str) -> list[str]:
    """The model and what differs from its default configuration, for the results file's name:
    `<family>[-N-layers]` for a family, nothing for the tiny model on a CPU, else the label."""
    family = models.family_key(choice)
    variant = []
    if family:
        variant += [family] + ([] if args.layers is None else [f"{args.layers}-layers"])
    elif label != "tiny-random" or device.type == "cuda":
        variant.append(label)
    if dtype != models.default_dtype(device, choice):
        variant.append(dtype)
    if args.attn != "sdpa":
        variant.append(args.attn)
    if args.static_cache:
        variant.append("static-cache")
    return variant
