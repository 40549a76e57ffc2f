"""GROUNDWORK for issue #10: the benchmark's full-size family configs build with transformers 5.24.

Each `bench/configs/<family>.json` builds on the meta device (no memory) through the Auto class the
worker loads with, as the family it is named for.
"""

from __future__ import annotations

import pytest

from testkit.local_api import REPO
from testkit.meta import build_on_meta

CONFIGS = sorted((REPO / "bench" / "configs").glob("*.json"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_a_benchmark_config_builds_its_family_at_full_size_on_the_meta_device(path):
    model = build_on_meta(path)
    assert model.config.model_type == path.stem
    assert sum(p.numel() for p in model.parameters()) > 1_000_000_000
    # The image placeholder must be a row of the embedding, or every frame would fail.
    assert model.config.image_token_id < model.get_input_embeddings().num_embeddings
