"""The results file (`bench/results/<device>.json`) and the table printed at the end of a run."""

from __future__ import annotations

import datetime
import json
import platform
import re
from pathlib import Path

import torch

from .records import RunRecord, Skipped
from .timing import GIB

RESULTS_DIR = Path(__file__).with_name("results")


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def slug(text: str) -> str:
    """`NVIDIA H100 80GB HBM3` -> `nvidia-h100-80gb-hbm3`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def default_output(device: torch.device, variant: list[str]) -> Path:
    """`<device>.json` for the default configuration, `<device>-<variant>.json` for others."""
    return RESULTS_DIR / (slug("-".join([device_name(device), *variant])) + ".json")


def environment(device: torch.device) -> dict:
    import transformers

    info = {
        "device": device_name(device),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }
    if device.type == "cuda":
        info["cuda"] = torch.version.cuda
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(device).total_memory / GIB, 2)
    return info


def summary(runs: list[RunRecord]) -> dict:
    """Best batched run, its speed-up over the baseline, and concurrent over sequential jobs."""
    by_mode = {}
    for run in runs:
        by_mode.setdefault(run.mode, []).append(run)
    result: dict = {}
    baseline = by_mode.get("baseline", [None])[0]
    if baseline:
        result["baseline_frames_per_s"] = baseline.frames_per_s
    batched = by_mode.get("batched", [])
    if batched:
        best = max(batched, key=lambda r: r.frames_per_s)
        result["best_batched"] = {
            "batch_size": best.batch_size,
            "s_per_frame": best.s_per_frame,
            "frames_per_s": best.frames_per_s,
            "speedup_vs_baseline": best.speedup_vs_baseline,
        }
    sequential, concurrent = by_mode.get("jobs_sequential"), by_mode.get("jobs_concurrent")
    if sequential and concurrent:
        result["jobs_concurrent_vs_sequential"] = concurrent[0].frames_per_s / sequential[0].frames_per_s
    return result


def add_speedups(runs: list[RunRecord]) -> None:
    baseline = next((r for r in runs if r.mode == "baseline"), None)
    for run in runs:
        run.speedup_vs_baseline = run.frames_per_s / baseline.frames_per_s if baseline else None


def write(path: Path, header: dict, runs: list[RunRecord], skipped: list[Skipped], card: dict) -> None:
    """Write the whole results file; called after every run, so a killed run keeps what it measured.

    `card` is the 24 GB card's memory sizing (`bench/card.py`), empty for other than the full model.
    """
    add_speedups(runs)
    document = {
        **header,
        "runs": [run.to_json() for run in runs],
        "skipped": [vars(s) for s in skipped],
        "summary": summary(runs),
        "card_24gb": card,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


_COLUMNS = [
    ("mode", "{:<15}", lambda r: r.mode),
    ("batch", "{:>5}", lambda r: r.batch_size),
    ("frames", "{:>6}", lambda r: r.frames),
    ("seconds", "{:>8.2f}", lambda r: r.seconds),
    ("s/frame", "{:>8.3f}", lambda r: r.s_per_frame),
    ("frames/s", "{:>8.2f}", lambda r: r.frames_per_s),
    ("x base", "{:>6.1f}", lambda r: r.speedup_vs_baseline),
    ("peak GiB", "{:>8.2f}", lambda r: r.peak_gpu_gib),
    ("est GiB", "{:>7.2f}", lambda r: r.estimated_peak_gib),
    ("prefill s/fr", "{:>12.4f}", lambda r: r.prefill_s_per_frame),
    ("decode ms/step", "{:>14.2f}", lambda r: r.decode_ms_per_step),
    ("failed", "{:>6}", lambda r: r.failed),
]


def table(runs: list[RunRecord], skipped: list[Skipped]) -> str:
    """The runs as a fixed-width table; '-' where a figure does not apply."""
    lines = ["  ".join(_cell(fmt, name, name, header=True) for name, fmt, _ in _COLUMNS)]
    for run in runs:
        lines.append("  ".join(_cell(fmt, name, value(run)) for name, fmt, value in _COLUMNS))
    for skip in skipped:
        lines.append(f"{skip.mode:<15}  {skip.batch_size:>5}  not measured: {skip.reason}")
    return "\n".join(lines)


def _cell(fmt: str, name: str, value, header: bool = False) -> str:
    width = max(len(name), int(re.search(r"\d+", fmt).group()))
    text = name if header else "-" if value is None else fmt.format(value)
    return f"{text:<{width}}" if fmt.startswith("{:<") else f"{text:>{width}}"


def summary_text(runs: list[RunRecord]) -> str:
    """The summary's two headline ratios, as sentences."""
    facts = summary(runs)
    lines = []
    best = facts.get("best_batched")
    if best:
        speedup = best["speedup_vs_baseline"]
        lines.append(
            f"best batch size {best['batch_size']}: {best['s_per_frame']:.3f} s per frame"
            + (f", {speedup:.1f}x the baseline's frames per second" if speedup else "")
        )
    if "jobs_concurrent_vs_sequential" in facts:
        ratio = facts["jobs_concurrent_vs_sequential"]
        lines.append(f"jobs all at once: {ratio:.1f}x the frames per second of one job at a time")
    return "\n".join(lines)
