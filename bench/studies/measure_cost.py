"""`python -m bench.studies.measure_cost`: what each measurement costs per frame on the CPU,
the OCR's cold start, and how many overlay lines the OCR reads exactly and in place.

Frames are generated (`testkit.text_frames`): one to three lines of known text in the four
overlay styles, over gradient, blob, noise and flat backgrounds, in Pillow's bundled font and
the DejaVu fonts where the machine has them; each at 854x480, 1280x720 and 1920x1080. Each
measurement runs on each frame `--runs` times; the figure is the median over frames of each
frame's median. A line counts as read when the OCR returns exactly its text with a box inside
its place (`TextFrame.holds`: the drawn box grown by `PLACE_MARGIN` of its height). `--threads`
is the OCR's CPU threads (all cores when not given); the clustering and histogram run on one
core anyway.

`--worker N` measures the whole worker instead: frames per second of jobs of N such 854x480
frames through a `Worker` on the tiny random LLaVA-NeXT (`testkit.tiny_model`), without and
with `measure: true`, in turns in one process (`--runs` jobs of each), the OCR on the worker's
own threads (one per core, one onnxruntime thread each). The tiny model generates on the CPU
too, so this is the measuring's cost beside a fast generator, not a GPU's figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from frame_describer.measure import colour, exposure, text
from testkit.text_frames import installed_fonts, random_text_frames

SIZES = ((854, 480), (1280, 720), (1920, 1080))


def _timed(function, image, runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        function(image)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def study(frames_per_size: int, runs: int, threads: int | None) -> dict:
    cold = text.load(threads)
    tiny = random_text_frames(1, (64, 36))[0].image
    colour.palette(tiny), exposure.exposure(tiny)  # imports (scikit-learn) are not a frame's cost
    by_size, read, lines, false_lines = {}, 0, 0, 0
    for size in SIZES:
        frames = random_text_frames(frames_per_size, size, seed=size[0], fonts=installed_fonts)
        costs = {"text": [], "colour": [], "exposure": []}
        for frame in frames:
            costs["text"].append(_timed(text.read_text, frame.image, runs))
            costs["colour"].append(_timed(colour.palette, frame.image, runs))
            costs["exposure"].append(_timed(exposure.exposure, frame.image, runs))
            reading = text.read_text(frame.image).lines
            for line in frame.lines:
                lines += 1
                read += any(r["text"] == line.text and frame.holds(line, r["box"]) for r in reading)
            false_lines += sum(r["text"] not in {line.text for line in frame.lines} for r in reading)
        by_size[f"{size[0]}x{size[1]}"] = {kind: statistics.median(s) for kind, s in costs.items()}
    return {
        "ocr_cold_start_s": cold,
        "seconds_per_frame": by_size,
        "lines": lines,
        "lines_read_exactly_in_place": read,
        "other_lines_reported": false_lines,
    }


def worker_study(frames: int, runs: int) -> dict:
    """Frames per second of the whole worker on the tiny model, without and with `measure`."""
    from frame_describer.job_input import parse_job
    from frame_describer.model import load_model
    from frame_describer.settings import Settings
    from frame_describer.worker import Worker
    from testkit.images import b64, encode
    from testkit.tiny_model import build_tiny_model

    images = [b64(encode(f.image, "JPEG")) for f in random_text_frames(frames, SIZES[0], seed=7)]
    jobs = {
        "without": {"frame_data": images, "format": "base64"},
        "with": {"frame_data": images, "format": "base64", "measure": True},
    }
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(model_id=str(build_tiny_model(Path(folder) / "model")), default_max_new_tokens=64)
        worker = Worker(settings, load_model(settings))
    try:
        started = time.perf_counter()
        worker.measurer.load_text()
        cold = time.perf_counter() - started
        seconds: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(runs):
            for name, job in jobs.items():
                request = parse_job(job, settings, worker.capabilities)
                started = time.perf_counter()
                result = asyncio.run(worker.run_job(request))
                seconds[name].append(time.perf_counter() - started)
                failed = [o for o in result.outcomes if isinstance(o, Exception)]
                if failed:
                    raise RuntimeError(f"{len(failed)} frames failed: {failed[0]}")
    finally:
        worker.close()
    return {
        "frames_per_job": frames,
        "measuring_threads": worker.measurer.cores,
        "ocr_cold_start_s": cold,
        "frames_per_second": {name: frames / statistics.median(s) for name, s in seconds.items()},
    }


def _print_worker(result: dict) -> None:
    fps = result["frames_per_second"]
    print(f"OCR cold start on the worker's threads: {result['ocr_cold_start_s']:.2f} s")
    print(f"| worker (tiny model, {result['frames_per_job']} frames per job) | frames per second |")
    print("| --- | --- |")
    print(f"| without measure | {fps['without']:.2f} |")
    print(f"| measure: true ({result['measuring_threads']} measuring threads) | {fps['with']:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8, help="frames per size (default 8)")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed runs per frame and measurement (default 3)"
    )
    parser.add_argument("--threads", type=int, default=None, help="OCR threads (default: all cores)")
    parser.add_argument(
        "--worker", type=int, metavar="N", help="the whole worker's frames per second, jobs of N frames"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.worker:
        result = worker_study(args.worker, args.runs)
    else:
        result = study(args.frames, args.runs, args.threads)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
    if args.json:
        print(json.dumps({**result, "machine": machine}, indent=2))
        return
    print(f"command: python -m bench.studies.measure_cost {shlex.join(sys.argv[1:])}")
    print(f"machine: {machine}")
    if args.worker:
        _print_worker(result)
        return
    print(f"OCR cold start (import, load, first frame): {result['ocr_cold_start_s']:.2f} s")
    print("| frame | text (OCR) | colour | exposure |")
    print("| --- | --- | --- | --- |")
    for size, costs in result["seconds_per_frame"].items():
        print(f"| {size} | {costs['text']:.3f} s | {costs['colour']:.3f} s | {costs['exposure']:.3f} s |")
    print(
        f"lines read exactly and in place: {result['lines_read_exactly_in_place']} of {result['lines']}; "
        f"other lines reported: {result['other_lines_reported']}"
    )


if __name__ == "__main__":
    main()
