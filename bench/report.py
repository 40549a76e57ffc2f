"""The results file and the table printed at the end of a run.

The file is rewritten atomically after every run, so a benchmark stopped by a time limit keeps
everything it measured, and a reader never sees half a file.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
from pathlib import Path

import torch

from .records import GIB, RunRecord

RESULTS_DIR = Path(__file__).with_name("results")
_REPO = Path(__file__).resolve().parent.parent


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def slug(text: str) -> str:
    """`NVIDIA H100 80GB HBM3` -> `nvidia-h100-80gb-hbm3`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def default_output(device: torch.device, variant: list[str], folder: Path = RESULTS_DIR) -> Path:
    """`<device>-<variant>.json` (`nvidia-h100-80gb-hbm3-qwen3-vl.json`), `<device>.json` without one."""
    return folder / (slug("-".join([device_name(device), *variant])) + ".json")


def environment(device: torch.device) -> dict:
    """Where and with what the run was made: versions, commit, host CPU, GPU and its driver."""
    import transformers

    info = {
        "device": device_name(device),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _command(["git", "-C", str(_REPO), "describe", "--always", "--dirty", "--abbrev=12"]),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "host_cpu": _host_cpu(),
        "host_cpu_count": os.cpu_count(),
    }
    if device.type == "cuda":
        info["cuda"] = torch.version.cuda
        info["gpu_driver"] = _command(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader", "--id=0"]
        )
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(device).total_memory / GIB, 2)
    return info


def _command(argv: list[str]) -> str | None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _host_cpu() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def summary(runs: list[RunRecord]) -> dict:
    """Best batched run and its speed-up over the baseline; jobs at once over one at a time;
    fields beside text at the same batch size."""
    by_mode: dict[str, list[RunRecord]] = {}
    for run in runs:
        by_mode.setdefault(run.mode, []).append(run)
    result: dict = {}
    if "baseline" in by_mode:
        result["baseline_frames_per_s"] = by_mode["baseline"][0].frames_per_s
    if "batched" in by_mode:
        best = max(by_mode["batched"], key=lambda r: r.frames_per_s)
        result["best_batched"] = {
            "batch_size": best.batch_size,
            "s_per_frame": best.s_per_frame,
            "frames_per_s": best.frames_per_s,
            "speedup_vs_baseline": best.speedup_vs_baseline,
        }
    sequential, concurrent = by_mode.get("jobs_sequential"), by_mode.get("jobs_concurrent")
    if sequential and concurrent:
        result["jobs_concurrent_vs_sequential"] = concurrent[0].frames_per_s / sequential[0].frames_per_s
    if "jobs_production" in by_mode:
        result["jobs_production_s_per_frame"] = by_mode["jobs_production"][0].s_per_frame
    fields = by_mode.get("fields", [None])[0]
    text = next((r for r in by_mode.get("batched", []) if fields and r.batch_size == fields.batch_size), None)
    if fields and text:
        # Random weights stop where they like: per token is the fair comparison, per frame the bill.
        result["fields_vs_text"] = {
            "batch_size": fields.batch_size,
            "text_s_per_frame": text.s_per_frame,
            "fields_s_per_frame": fields.s_per_frame,
            "text_new_tokens_per_frame": text.new_tokens_per_frame,
            "fields_new_tokens_per_frame": fields.new_tokens_per_frame,
            "s_per_token_ratio": (fields.s_per_frame / fields.new_tokens_per_frame)
            / (text.s_per_frame / text.new_tokens_per_frame),
        }
    return result


def write(path: Path, header: dict, runs: list[RunRecord], skipped: list[dict], card: dict) -> None:
    """Write the whole results file atomically; `card` is the 24 GB card's sizing (or empty)."""
    baseline = next((r for r in runs if r.mode == "baseline"), None)
    for run in runs:
        run.speedup_vs_baseline = run.frames_per_s / baseline.frames_per_s if baseline else None
    document = {
        **header,
        "runs": [run.to_json() for run in runs],
        "skipped": skipped,
        "summary": summary(runs),
        "card_24gb": card,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(partial, path)


_COLUMNS = [
    ("mode", "{:<15}", lambda r: r.mode),
    ("batch", "{:>5}", lambda r: r.batch_size),
    ("frames", "{:>6}", lambda r: r.frames),
    ("seconds", "{:>8.2f}", lambda r: r.seconds),
    ("s/frame", "{:>8.3f}", lambda r: r.s_per_frame),
    ("x base", "{:>6.1f}", lambda r: r.speedup_vs_baseline),
    ("alloc GiB", "{:>9.2f}", lambda r: r.peak_gpu_gib),
    ("resv GiB", "{:>8.2f}", lambda r: r.peak_reserved_gib),
    ("est GiB", "{:>7.2f}", lambda r: r.estimated_peak_gib),
    ("prep s/fr", "{:>9.4f}", lambda r: r.preprocess_s_per_frame),
    ("prefill s/fr", "{:>12.4f}", lambda r: r.prefill_s_per_frame),
    ("decode ms/step", "{:>14.2f}", lambda r: r.decode_ms_per_step),
    ("failed", "{:>6}", lambda r: r.failed),
]


def table(runs: list[RunRecord], skipped: list[dict]) -> str:
    """The runs as a fixed-width table; '-' where a figure does not apply."""
    widths = [max(len(name), int(re.search(r"\d+", fmt).group())) for name, fmt, _ in _COLUMNS]
    lines = ["  ".join(f"{name:>{w}}" for (name, _, _), w in zip(_COLUMNS, widths, strict=True))]
    for run in runs:
        cells = []
        for (_, fmt, value), width in zip(_COLUMNS, widths, strict=True):
            text = "-" if value(run) is None else fmt.format(value(run))
            cells.append(f"{text:<{width}}" if fmt.startswith("{:<") else f"{text:>{width}}")
        lines.append("  ".join(cells))
    lines += [f"{s['mode']:<15}  {s['batch_size']:>5}  not measured: {s['reason']}" for s in skipped]
    facts = summary(runs)
    if "best_batched" in facts:
        best = facts["best_batched"]
        speedup = best["speedup_vs_baseline"]
        lines.append(
            f"best batch size {best['batch_size']}: {best['s_per_frame']:.3f} s per frame"
            + (f", {speedup:.1f}x the baseline's frames per second" if speedup else "")
        )
    if "jobs_concurrent_vs_sequential" in facts:
        ratio = facts["jobs_concurrent_vs_sequential"]
        lines.append(f"jobs all at once: {ratio:.1f}x the frames per second of one job at a time")
    return "\n".join(lines)
