"""The weights are found offline wherever RunPod or the image put them, laid out as they lay them.

Each test builds a cache or baked folder around a copy of the tiny checkpoint and loads it with
the worker's own `load_model`, under HF_HUB_OFFLINE=1 (conftest), by a hub-style MODEL_ID that
exists nowhere else.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from builder.download_model import bake
from frame_describer.errors import ModelLoadError
from frame_describer.model import load_model
from frame_describer.model_source import resolve_model_source
from frame_describer.settings import Settings

MODEL_ID = "acme/tiny-llava"
COMMIT_A = "a" * 40
COMMIT_B = "b" * 40


def runpod_cache(model: Path, root: Path, commits: list[str], refs_main: str | None) -> Path:
    """A cache as RunPod lays it out: models--ORG--NAME/snapshots/<commit>/, refs/main optional."""
    repo = root / f"models--{MODEL_ID.replace('/', '--')}"
    for commit in commits:
        shutil.copytree(model, repo / "snapshots" / commit)
    if refs_main is not None:
        (repo / "refs").mkdir(parents=True)
        (repo / "refs" / "main").write_text(refs_main)
    return root


def settings_for(cache: Path, **overrides) -> Settings:
    nowhere = cache / "no-baked-model"
    return Settings(model_id=MODEL_ID, model_cache_dir=str(cache), baked_model_dir=str(nowhere), **overrides)


def test_a_runpod_cache_without_refs_main_loads_its_only_snapshot_offline(tiny_model, tmp_path):
    cache = runpod_cache(tiny_model, tmp_path, [COMMIT_A], refs_main=None)
    loaded = load_model(settings_for(cache))
    assert loaded.model.config.model_type == "llava_next"
    assert resolve_model_source(settings_for(cache)).name_or_path.endswith(COMMIT_A)


def test_a_runpod_cache_with_refs_main_loads_the_snapshot_it_names(tiny_model, tmp_path):
    cache = runpod_cache(tiny_model, tmp_path, [COMMIT_A, COMMIT_B], refs_main=COMMIT_B)
    source = resolve_model_source(settings_for(cache))
    assert source.name_or_path.endswith(COMMIT_B) and source.where.startswith("RunPod model cache")
    load_model(settings_for(cache))


def test_several_snapshots_and_no_refs_stop_the_worker_saying_how_to_choose(tiny_model, tmp_path):
    cache = runpod_cache(tiny_model, tmp_path, [COMMIT_A, COMMIT_B], refs_main=None)
    with pytest.raises(ModelLoadError, match="set MODEL_REVISION"):
        load_model(settings_for(cache))


def test_model_revision_picks_a_snapshot_by_its_commit(tiny_model, tmp_path):
    cache = runpod_cache(tiny_model, tmp_path, [COMMIT_A, COMMIT_B], refs_main=None)
    source = resolve_model_source(settings_for(cache, model_revision=COMMIT_A))
    assert source.name_or_path.endswith(COMMIT_A)


def test_a_revision_the_cache_does_not_hold_is_a_clear_error(tiny_model, tmp_path):
    cache = runpod_cache(tiny_model, tmp_path, [COMMIT_A], refs_main=None)
    with pytest.raises(ModelLoadError, match="neither a ref nor a snapshot"):
        resolve_model_source(settings_for(cache, model_revision="v2"))


def test_the_hugging_face_cache_is_searched_after_runpods(tiny_model, tmp_path):
    hf_cache = runpod_cache(tiny_model, tmp_path / "hf", [COMMIT_A], refs_main=COMMIT_A)
    source = resolve_model_source(settings_for(tmp_path / "empty-runpod-cache"), hf_cache=str(hf_cache))
    assert source.where.startswith("Hugging Face cache")


def test_a_model_found_nowhere_goes_to_the_hub_by_its_id(tmp_path):
    source = resolve_model_source(settings_for(tmp_path), hf_cache=str(tmp_path))
    assert (source.name_or_path, source.where) == (MODEL_ID, "hub")


def test_the_builder_bakes_a_local_folder_that_loads_under_the_same_model_id(tiny_model, tmp_path):
    context = tmp_path / "context"
    shutil.copytree(tiny_model, context / "weights" / "tiny")
    baked = bake("weights/tiny", None, tmp_path / "baked", context)
    # At run time "weights/tiny" names no folder (another working directory): the baked one is used.
    settings = Settings(model_id="weights/tiny", baked_model_dir=str(baked), model_cache_dir=str(tmp_path))
    source = resolve_model_source(settings)
    assert (source.name_or_path, source.where) == (str(baked), "baked into the image")
    load_model(settings)


def test_weights_baked_from_a_hub_id_are_found_under_that_id_offline(tiny_model, tmp_path):
    baked = tmp_path / "baked"
    shutil.copytree(tiny_model, baked)
    (baked / "BAKED_FROM").write_text(json.dumps({"model_id": MODEL_ID, "revision": None}))
    settings = Settings(model_id=MODEL_ID, baked_model_dir=str(baked), model_cache_dir=str(tmp_path))
    assert resolve_model_source(settings).name_or_path == str(baked)
    assert resolve_model_source(Settings(model_id="other/model", baked_model_dir=str(baked))).where == "hub"
