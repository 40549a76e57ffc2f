"""Every supported model family serves through the worker's one code path.

Each family's tiny random checkpoint is built offline with its real processor classes and
loaded by MODEL_ID through `load_model`, exactly as a released checkpoint would be; frames of
different sizes and prompts go through the worker's own preprocessing, collation and
generation. Needs torchvision (and num2words for SmolVLM), as the real processors do.
"""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from safetensors.torch import load_file, save_file

from frame_describer.engine import DescriptionEngine
from frame_describer.errors import ModelLoadError
from frame_describer.frame_types import Description, GenerationOptions
from frame_describer.generation import Generator
from frame_describer.job_input import parse_job
from frame_describer.model import load_model
from frame_describer.preprocess import prepare_frame
from frame_describer.settings import Settings
from frame_describer.worker import Worker
from testkit.images import b64, encode, frame
from testkit.tiny_families import FAMILIES, build_tiny

IMAGES = [
    frame((20, 24, 46), (854, 480), "A"),
    frame((200, 120, 40), (640, 480), "B"),
    frame((10, 140, 60), (480, 640), "C"),
    frame((240, 240, 250), (300, 200), "D"),
]
PROMPTS = [
    "Describe this video frame.",
    "Wide shot: describe the lighting, colour grading and any text overlays.",
]
OPTIONS = GenerationOptions(max_new_tokens=6)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    return {family: build_tiny(family, tmp_path_factory.mktemp(family)) for family in FAMILIES}


def loaded_model(checkpoints, family: str, **settings):
    return load_model(Settings(model_id=str(checkpoints[family]), **settings))


def outcomes(loaded, frames, batch_size: int) -> list:
    engine = DescriptionEngine(Generator(loaded), batch_size, batch_wait_s=0.05)
    try:
        results = engine.describe(frames)
    finally:
        engine.close()
    return [
        (o.text, o.new_tokens) if isinstance(o, Description) else (type(o).__name__, str(o)) for o in results
    ]


def prepared(loaded, detail: str = "high") -> list:
    return [prepare_frame(loaded, image, PROMPTS[i % 2], OPTIONS, detail) for i, image in enumerate(IMAGES)]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_loads_by_model_id_as_its_own_family(checkpoints, family):
    loaded = loaded_model(checkpoints, family)
    assert family in loaded.family.model_types
    assert all(frame.image_tokens > 0 for frame in prepared(loaded))


@pytest.mark.parametrize("family", FAMILIES)
def test_frames_of_different_sizes_and_prompts_are_described_the_same_alone_and_batched(checkpoints, family):
    loaded = loaded_model(checkpoints, family)
    frames = prepared(loaded)
    alone = [outcomes(loaded, [f], batch_size=1)[0] for f in frames]
    assert outcomes(loaded, frames, batch_size=len(frames)) == alone


@pytest.mark.parametrize("family", FAMILIES)
def test_the_image_changes_what_the_model_says(checkpoints, family):
    # Without this, batched == alone would hold even if a batch swapped its frames' images.
    loaded = loaded_model(checkpoints, family)
    texts = {outcomes(loaded, [f], batch_size=1)[0] for f in prepared(loaded)}
    assert len(texts) > 1


@pytest.mark.parametrize("family", FAMILIES)
def test_low_detail_cuts_the_image_tokens_and_batched_still_equals_alone(checkpoints, family):
    loaded = loaded_model(checkpoints, family)
    high = sum(f.image_tokens for f in prepared(loaded))
    if loaded.family.detail_at_load:
        loaded = loaded_model(checkpoints, family, image_detail="low")
    frames = prepared(loaded, "low")
    assert sum(f.image_tokens for f in frames) < high
    alone = [outcomes(loaded, [f], batch_size=1)[0] for f in frames]
    assert outcomes(loaded, frames, batch_size=len(frames)) == alone


@pytest.mark.parametrize("family", FAMILIES)
def test_a_job_runs_end_to_end_on_every_family(checkpoints, family):
    loaded = loaded_model(checkpoints, family)
    settings = Settings(max_new_tokens_limit=512)
    worker = Worker(settings, loaded)
    frames = [b64(encode(image, "JPEG")) for image in IMAGES[:2]]
    job_input = {"frame_data": frames, "format": "base64", "prompt": PROMPTS[0], "max_new_tokens": 6}
    try:
        request = parse_job(job_input, settings, worker.capabilities)
        result = asyncio.run(worker.run_job(request))
    finally:
        worker.close()
    assert len(result.outcomes) == 2
    assert not [
        o for o in result.outcomes if not isinstance(o, Description) and o.code != "empty_description"
    ]


def test_a_job_may_not_change_the_detail_a_llava_family_fixed_at_load(checkpoints):
    from frame_describer.errors import InvalidJob

    worker = Worker(Settings(), loaded_model(checkpoints, "llava_next"))
    try:
        with pytest.raises(InvalidJob, match="IMAGE_DETAIL=high"):
            parse_job({"frame_urls": ["a"], "detail": "low"}, Settings(), worker.capabilities)
    finally:
        worker.close()


def test_an_unsupported_model_type_stops_start_up_naming_what_is_supported(tmp_path):
    from transformers import LlavaConfig

    LlavaConfig().save_pretrained(tmp_path)  # LLaVA 1.5: no weights needed, the type is refused first
    with pytest.raises(ModelLoadError, match="model type 'llava' is not supported; supported: LLaVA-NeXT"):
        load_model(Settings(model_id=str(tmp_path)))


def test_a_checkpoint_missing_weights_stops_start_up_instead_of_serving_random_ones(checkpoints, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(checkpoints["qwen2_5_vl"], broken)
    [weights_file] = broken.glob("*.safetensors")
    weights = load_file(weights_file)
    dropped = sorted(weights)[0]
    del weights[dropped]
    save_file(weights, weights_file, metadata={"format": "pt"})
    with pytest.raises(ModelLoadError, match="does not match its architecture: weights 1 missing"):
        load_model(Settings(model_id=str(broken)))


def test_a_checkpoint_of_another_family_with_a_borrowed_config_is_refused(checkpoints, tmp_path):
    # A Qwen checkpoint whose config claims LLaVA-NeXT: every weight is unexpected.
    borrowed = tmp_path / "borrowed"
    shutil.copytree(checkpoints["qwen2_5_vl"], borrowed)
    shutil.copy(checkpoints["llava_next"] / "config.json", borrowed / "config.json")
    # transformers itself refuses the mismatched sizes; the missing weights would be refused next.
    with pytest.raises(ModelLoadError, match=f"MODEL_ID='{borrowed}'"):
        load_model(Settings(model_id=str(borrowed)))
    assert json.loads((borrowed / "config.json").read_text())["model_type"] == "llava_next"
