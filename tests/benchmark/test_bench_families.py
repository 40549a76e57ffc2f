"""The benchmark builds every family at full size: its real processor, a tokenizer of the real size
with the config's special token ids, and (for the cheapest family) a whole run on a CPU.

Full-width models are large even at one layer (Qwen3-VL's two 152k x 4096 embeddings alone are
1.2 B parameters), so one family runs end to end here, Qwen3-VL (the fewest image tokens), and
LLaVA-NeXT in `tests/benchmark/test_bench.py`; every family's processor, tokenizer and config are checked.
No timing is asserted.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from bench.cli import main
from bench.frames import synthetic_frames
from bench.full_size import CONFIGS, EXPECTED_IMAGE_TOKENS, FAMILIES, build_processor, load_config
from bench.memory import Shapes
from frame_describer.families import family_of
from frame_describer.prompt import DEFAULT_PROMPT, chat_messages
from testkit.real_processors import image_tokens

_TOKEN_FIELD = re.compile(r"^[a-z].*(token_id|token_index|_id)$")


@pytest.fixture(scope="module")
def bench_parts():
    """Per family: the full-size config and the benchmark's processor for it (built once)."""
    parts = {}

    def get(family: str):
        if family not in parts:
            config = load_config(family)
            parts[family] = config, build_processor(family, config, DEFAULT_PROMPT)
        return parts[family]

    return get


def frame_ids(config, processor, size=(854, 480)) -> list[int]:
    """The input ids of one frame at `high` detail, as the benchmark prepares it."""
    text = processor.apply_chat_template(chat_messages(DEFAULT_PROMPT), add_generation_prompt=True)
    detail = family_of(config.model_type).detail(processor.image_processor)["high"]
    inputs = processor(images=[Image.new("RGB", size)], text=[text], return_tensors="pt", **detail)
    return inputs["input_ids"][0].tolist()


def token_fields(config, *, text: bool = True) -> dict[str, int]:
    """Every special-token id the config names (lists such as Gemma's eos ids item by item)."""
    owners = [("", config.to_dict())]
    if text:
        owners.append(("text_config.", config.text_config.to_dict()))
    fields = {}
    for prefix, values in owners:
        for name, value in values.items():
            if not _TOKEN_FIELD.match(name):
                continue
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(item, int):
                    fields[f"{prefix}{name}" + (f"[{i}]" if isinstance(value, list) else "")] = item
    return fields


def tiny_reference(family: str, tiny_llava_next: Path):
    """The family's tiny config and tokenizer, whose builders pair each token with its config field."""
    from transformers import AutoConfig, AutoTokenizer

    from testkit.tiny_families import tiny_parts

    if family == "llava_next":
        return AutoConfig.from_pretrained(tiny_llava_next), AutoTokenizer.from_pretrained(tiny_llava_next)
    config, processor = tiny_parts(family)
    return config, processor.tokenizer


@pytest.mark.parametrize("family", FAMILIES)
def test_the_bench_processor_gives_a_frame_the_real_image_tokens(family, bench_parts):
    config, processor = bench_parts(family)
    counted = frame_ids(config, processor).count(config.image_token_id)

    reference, _ = image_tokens(family, "high")
    assert counted == reference == EXPECTED_IMAGE_TOKENS[family][(854, 480)]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_token_id_the_config_names_holds_a_special_token(family, bench_parts):
    from testkit.meta import build_on_meta

    config, processor = bench_parts(family)
    tokenizer = processor.tokenizer
    embedding_rows = build_on_meta(CONFIGS / f"{family}.json").get_input_embeddings().num_embeddings
    specials = {t.content for t in tokenizer.added_tokens_decoder.values()}

    assert len(tokenizer) == embedding_rows
    for field, token_id in token_fields(config).items():
        if token_id < embedding_rows:  # SmolVLM's config keeps a stray pad id past its vocabulary
            assert tokenizer.convert_ids_to_tokens(token_id) in specials, field


@pytest.mark.parametrize("family", FAMILIES)
def test_each_special_token_sits_at_the_id_its_config_field_names(family, bench_parts, tiny_model):
    # The tiny builders pair each token with its config field independently of the benchmark.
    config, processor = bench_parts(family)
    tiny_config, tiny_tokenizer = tiny_reference(family, tiny_model)
    tiny_specials = {i: t.content for i, t in tiny_tokenizer.added_tokens_decoder.items()}
    produced = set(frame_ids(config, processor))

    checked = []
    for field, tiny_id in token_fields(tiny_config, text=False).items():
        if tiny_id in tiny_specials and field in token_fields(config, text=False):
            token = tiny_specials[tiny_id]
            token_id = processor.tokenizer.convert_tokens_to_ids(token)
            assert token_id == token_fields(config, text=False)[field], (field, token)
            checked.append(token_id)
    assert config.image_token_id in checked and config.image_token_id in produced


@pytest.mark.parametrize("family", FAMILIES)
def test_the_memory_arithmetic_reads_each_family_kv_cache(family, tiny_model):
    # The KV cache a real forward pass keeps per token is what Shapes.of says, for the tiny model.
    import torch
    from transformers import AutoModelForImageTextToText

    tiny_config, _ = tiny_reference(family, tiny_model)
    model = AutoModelForImageTextToText.from_config(tiny_config).eval()
    length = 12
    with torch.inference_mode():
        cache = model(input_ids=torch.full((1, length), 5), use_cache=True).past_key_values
    kept = sum(layer.keys.numel() + layer.values.numel() for layer in cache.layers) * 4  # fp32

    assert Shapes.of(tiny_config, 0).kv_bytes_per_token(dtype_bytes=4) * length == kept


def test_a_family_runs_end_to_end_at_one_layer_per_tower_on_a_cpu(tmp_path):
    # Qwen3-VL at real widths, bf16 to halve the memory; frames prepared at the family's `high` detail.
    main(
        ["--model", "qwen3_vl", "--layers", "1", "--dtype", "bfloat16", "--modes", "batched,jobs_production"]
        + ["--frames", "1", "--batch-sizes", "1", "--new-tokens", "2", "--jobs", "1", "--frames-per-job", "1"]
        + ["--results-dir", str(tmp_path)]
    )

    [output] = tmp_path.glob("*.json")
    results = json.loads(output.read_text())
    assert output.name == "cpu-qwen3-vl-1-layers-bfloat16.json"
    assert (results["model"], results["family"]) == ("qwen3_vl-random-1-layers", "Qwen3-VL")
    assert results["image_tokens_per_frame"] == EXPECTED_IMAGE_TOKENS["qwen3_vl"][(854, 480)]
    assert [(r["mode"], r["failed"]) for r in results["runs"]] == [("batched", 0), ("jobs_production", 0)]
    assert all(r["estimated_peak_gib"] > 0 for r in results["runs"])
    assert results["card_24gb"] == {}


def test_a_whitespace_only_description_counts_as_generated_not_failed(tiny_model):
    # Random weights may decode to newlines only (Gemma 3's tied embeddings repeat the prompt's
    # last token): the forced length was generated, so the run keeps its figures.
    from bench.records import Measurement
    from bench.runs import BenchContext
    from frame_contract import codes
    from frame_describer.errors import GenerationError
    from frame_describer.frame_types import Description
    from frame_describer.model import load_model
    from frame_describer.settings import Settings

    settings = Settings.from_env({**os.environ, "MODEL_ID": str(tiny_model)})
    ctx = BenchContext(load_model(settings), settings, DEFAULT_PROMPT, 3, synthetic_frames(1))
    empty = GenerationError("model returned an empty description", codes.EMPTY_DESCRIPTION)
    failed = GenerationError("out of GPU memory", codes.OUT_OF_GPU_MEMORY)

    outcomes = [Description("A wide shot.", 5), empty, failed]

    record = ctx.record("batched", 3, Measurement(seconds=1.0), outcomes, batches=1)

    assert (record.frames, record.empty, record.failed) == (3, 1, 1)
    assert record.new_tokens_per_frame == (5 + 3) / 2  # the empty one generated the forced 3
