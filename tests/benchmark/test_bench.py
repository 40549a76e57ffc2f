"""The benchmark runs end to end on the tiny model and writes every field the issue asks for.

No timing is asserted: on a CPU the figures mean nothing. The GPU run is `bench/gpu_run.sh`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.cli import MODES, main
from bench.full_size import build_processor, load_config
from frame_describer.prompt import DEFAULT_PROMPT, chat_messages

REPO = Path(__file__).resolve().parents[2]
RUN_FIELDS = {"mode", "batch_size", "frames", "seconds", "s_per_frame", "frames_per_s", "peak_gpu_gib"}
TOP_FIELDS = {"device", "date", "torch", "transformers", "dtype", "new_tokens", "frame_size", "runs"}


def test_a_small_benchmark_run_writes_every_mode_and_field(tiny_model, tmp_path):
    # The tiny test model's tokenizer cannot spell JSON: fields mode gets its own test below.
    output = tmp_path / "cpu.json"
    modes = [mode for mode in MODES if mode != "fields"]
    main(
        ["--model", str(tiny_model), "--new-tokens", "3", "--frames", "4", "--batch-sizes", "1,2"]
        + ["--jobs", "3", "--frames-per-job", "2", "--modes", ",".join(modes), "--output", str(output)]
    )

    results = json.loads(output.read_text())
    assert results.keys() >= TOP_FIELDS
    assert {run["mode"] for run in results["runs"]} == set(modes)
    assert [r["batch_size"] for r in results["runs"] if r["mode"] == "batched"] == [1, 2]
    for run in results["runs"]:
        assert run.keys() >= RUN_FIELDS, run["mode"]
        assert run["failed"] == 0, run


def test_the_full_size_processor_gives_the_real_image_token_counts():
    from PIL import Image

    processor = build_processor("llava_next", load_config("llava_next"), DEFAULT_PROMPT)
    text = processor.apply_chat_template(chat_messages(DEFAULT_PROMPT), add_generation_prompt=True)
    counts = {}
    for size in [(854, 480), (1280, 720), (640, 480)]:
        ids = processor(images=[Image.new("RGB", size)], text=[text], return_tensors="pt")["input_ids"][0]
        counts[size] = int((ids == 32000).sum())
    text_tokens = int(ids.shape[0]) - counts[(640, 480)]

    # anyres with the default pinpoints: 854x480 is a hair wider than 16:9 and rounds down a row pair.
    assert counts == {(854, 480): 1850, (1280, 720): 1948, (640, 480): 2340}
    assert 100 <= text_tokens <= 150


def test_the_benchmark_runs_jobs_through_the_worker_without_runpod(tmp_path):
    # The GPU machine that runs bench/gpu_run.sh has no runpod: base64 jobs must not need it.
    output = tmp_path / "no-runpod.json"
    script = (
        "import sys; sys.modules['runpod'] = None\n"
        "from bench.cli import main\n"
        f"main(['--model', 'tiny', '--modes', 'jobs_sequential', '--new-tokens', '2', '--jobs', '2', "
        f"'--frames-per-job', '2', '--output', {str(output)!r}])"
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, timeout=180)
    [run] = json.loads(output.read_text())["runs"]
    assert run["mode"] == "jobs_sequential" and run["frames"] == 4 and run["failed"] == 0


def test_the_memory_arithmetic_behind_the_default_batch_size():
    from bench.memory import Shapes, estimate_peak_gib, largest_batch_within

    # LLaVA-NeXT v1.6 Mistral-7B: 7.567 B parameters, Mistral-7B's attention (32 layers, 8 KV heads).
    shapes = Shapes(
        parameters=7_566_747_648, layers=32, kv_heads=8, head_dim=128, hidden=4096, intermediate=14336
    )
    frame_tokens = 1948 + 117  # a 16:9 frame's image tokens and the production prompt

    assert shapes.kv_bytes_per_token() == 128 * 1024
    assert 14.0 < estimate_peak_gib(shapes, 1, frame_tokens, 256) - 0.5 < 14.6  # mostly weights
    assert largest_batch_within(shapes, 22.0, frame_tokens, 256) == 15


def test_the_full_size_path_runs_on_a_cpu_with_one_layer_per_tower(tmp_path):
    # Every line a GPU run takes (the real architecture and processor, the token-count check,
    # the jobs at production settings, the 24 GB card block), at real widths on a CPU.
    output = tmp_path / "full.json"
    main(
        ["--model", "full", "--layers", "1", "--modes", "batched,jobs_production", "--frames", "1"]
        + ["--batch-sizes", "1", "--new-tokens", "2", "--jobs", "1", "--frames-per-job", "1"]
        + ["--output", str(output)]
    )

    results = json.loads(output.read_text())
    assert results["model"] == "llava_next-random-1-layers"
    assert results["image_tokens_per_frame"] == 1850
    assert [(r["mode"], r["failed"]) for r in results["runs"]] == [("batched", 0), ("jobs_production", 0)]
    assert results["card_24gb"]["largest_batch_estimated"] > 0
    assert {"git_commit", "host_cpu"} <= results.keys()


def test_the_fields_mode_runs_beside_text_on_the_same_frames(tmp_path):
    from testkit.fields_model import build_fields_model

    model = build_fields_model(tmp_path / "fields-model")
    output = tmp_path / "fields.json"
    main(
        ["--model", str(model), "--modes", "batched,fields", "--batch-sizes", "2", "--frames", "2"]
        + ["--new-tokens", "3", "--output", str(output)]
    )

    results = json.loads(output.read_text())
    fields = next(run for run in results["runs"] if run["mode"] == "fields")
    assert (fields["batch_size"], fields["frames"], fields["failed"]) == (2, 2, 0)
    comparison = results["summary"]["fields_vs_text"]
    assert comparison["fields_new_tokens_per_frame"] > comparison["text_new_tokens_per_frame"] == 3
