"""GROUNDWORK for issue #10: the benchmark's full-size family configs build with transformers 5.24.

Each `bench/configs/<family>.json` builds on the meta device (no memory) through the Auto class the
worker loads with, as the family it is named for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "bench" / "configs").glob("*.json"))


def build_on_meta(path: Path):
    from transformers import AutoModelForImageTextToText
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    raw = json.loads(path.read_text())
    config = CONFIG_MAPPING[raw["model_type"]].from_dict(raw)
    with torch.device("meta"):
        return AutoModelForImageTextToText.from_config(config)


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_a_benchmark_config_builds_its_family_at_full_size_on_the_meta_device(path):
    model = build_on_meta(path)
    assert model.config.model_type == path.stem
    assert sum(p.numel() for p in model.parameters()) > 1_000_000_000
    # The image placeholder must be a row of the embedding, or every frame would fail.
    assert model.config.image_token_id < model.get_input_embeddings().num_embeddings
