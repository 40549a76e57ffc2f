"""GROUNDWORK for issue #10 (several model families): every family's tiny checkpoint, loaded by
folder through the Auto classes, describes frames the same alone and batched.

Frames are prepared one image per processor call, then joined by `collate` below: a local
prototype of the generic collation (left-pad sequence-aligned tensors, zero-pad the others to
the largest and join them on dim 0, cast floating tensors to the model dtype) until the engine
has its own. It runs each family's real processor, so it needs torchvision (and num2words).
"""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from tests.images import frame
from tests.tiny_families import FAMILIES, build_tiny

# Tensors as long as `input_ids`; every other processor output is per image.
SEQUENCE_KEYS = ("input_ids", "attention_mask", "token_type_ids", "mm_token_type_ids")
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
NEW_TOKENS = 6
# The image-detail knobs that are processor call-time kwargs, at the tiny models' scale; the
# LLaVA families' knob (grid pinpoints) is set at load on both processor and model config.
CALL_TIME_DETAIL = [
    ("qwen2_5_vl", {"size": {"shortest_edge": 3136, "longest_edge": 16 * 28 * 28}}),
    ("qwen3_vl", {"size": {"shortest_edge": 4096, "longest_edge": 16 * 32 * 32}}),
    ("molmo2", {"max_crops": 2}),
    ("gemma3", {"do_pan_and_scan": True}),
    ("smolvlm", {"do_image_splitting": False}),
    ("internvl", {"max_patches": 1}),
]

_loaded: dict[str, tuple] = {}


def load(family: str, tmp_path_factory) -> tuple:
    """(model, processor, loading info) of the family's tiny checkpoint, built and loaded once."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    if family not in _loaded:
        folder = build_tiny(family, tmp_path_factory.mktemp(family))
        processor = AutoProcessor.from_pretrained(folder)
        model, info = AutoModelForImageTextToText.from_pretrained(
            folder, dtype=torch.float32, output_loading_info=True
        )
        _loaded[family] = (model.eval(), processor, info)
    return _loaded[family]


def prepare(processor, image: Image.Image, prompt: str, **detail) -> dict[str, torch.Tensor]:
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True)
    return dict(processor(images=[image], text=[text], return_tensors="pt", **detail))


def collate(frames: list[dict], pad_token_id: int, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    length = max(f["input_ids"].shape[-1] for f in frames)
    batch = {}
    for key in frames[0]:
        tensors = [f[key] for f in frames]
        if key in SEQUENCE_KEYS:
            fill = pad_token_id if key == "input_ids" else 0
            joined = torch.full((len(frames), length), fill, dtype=tensors[0].dtype)
            for row, tensor in enumerate(tensors):
                joined[row, length - tensor.shape[-1] :] = tensor[0]
        else:
            if key == "image_token_pooling":
                tensors = _offset_pooling(frames)
            shape = [max(t.shape[d] for t in tensors) for d in range(1, tensors[0].dim())]
            padded = []
            for tensor in tensors:
                out = tensor.new_zeros((tensor.shape[0], *shape))
                out[tuple(slice(0, s) for s in tensor.shape)] = tensor
                padded.append(out)
            joined = torch.cat(padded)
        batch[key] = joined.to(dtype) if joined.is_floating_point() else joined
    return batch


def _offset_pooling(frames: list[dict]) -> list[torch.Tensor]:
    """Molmo 2 pools patches by index into all the batch's patches: shift each frame's past the
    frames before it (-1 marks an empty slot and stays)."""
    shifted, offset = [], 0
    for f in frames:
        pooling = f["image_token_pooling"]
        shifted.append(torch.where(pooling >= 0, pooling + offset, pooling))
        offset += f["pixel_values"].shape[0] * f["pixel_values"].shape[1]
    return shifted


def generate(model, processor, frames: list[dict]) -> list[list[int]]:
    """Greedy new tokens per frame, each up to and including its first end-of-sequence token."""
    tokenizer = processor.tokenizer
    inputs = collate(frames, tokenizer.pad_token_id, model.dtype)
    with torch.inference_mode():
        output = model.generate(
            **inputs, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
    eos = model.generation_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    rows = []
    for row in output[:, inputs["input_ids"].shape[1] :].tolist():
        end = next((i + 1 for i, token in enumerate(row) if token in eos), len(row))
        rows.append(row[:end])
    return rows


@pytest.mark.parametrize("family", FAMILIES)
def test_a_tiny_checkpoint_loads_by_folder_with_every_weight_in_place(family, tmp_path_factory):
    model, _, info = load(family, tmp_path_factory)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    assert model.config.model_type == family


@pytest.mark.parametrize("family", FAMILIES)
def test_the_image_token_count_matches_the_placeholders_in_the_text(family, tmp_path_factory):
    model, processor, _ = load(family, tmp_path_factory)
    counts = []
    for image in IMAGES:
        ids = prepare(processor, image, PROMPTS[0])["input_ids"][0]
        counts.append(int((ids == model.config.image_token_id).sum()))
    assert min(counts) > 0


@pytest.mark.parametrize("family", FAMILIES)
def test_frames_of_different_sizes_and_prompts_are_described_the_same_alone_and_batched(
    family, tmp_path_factory
):
    model, processor, _ = load(family, tmp_path_factory)
    frames = [prepare(processor, image, PROMPTS[i % 2]) for i, image in enumerate(IMAGES)]
    alone = [generate(model, processor, [f])[0] for f in frames]
    together = generate(model, processor, frames)
    assert together == alone


@pytest.mark.parametrize(("family", "detail"), CALL_TIME_DETAIL, ids=[f for f, _ in CALL_TIME_DETAIL])
def test_the_image_detail_knob_changes_the_image_tokens_and_keeps_batched_equal_to_alone(
    family, detail, tmp_path_factory
):
    model, processor, _ = load(family, tmp_path_factory)
    frames = [prepare(processor, image, PROMPTS[i % 2], **detail) for i, image in enumerate(IMAGES)]
    default = prepare(processor, IMAGES[0], PROMPTS[0])["input_ids"]
    assert frames[0]["input_ids"].shape != default.shape
    alone = [generate(model, processor, [f])[0] for f in frames]
    assert generate(model, processor, frames) == alone


# The LLaVA families' knob: fewer grid pinpoints, set at load on the processor and the model config
# alike (the model recomputes each frame's grid from `image_sizes` and its own pinpoints).
LOAD_TIME_DETAIL = {
    "llava_next": [[32, 64], [64, 32]],
    "llava_onevision": [[32, 32], [32, 64], [64, 32], [64, 64]],
}


@pytest.mark.parametrize("family", LOAD_TIME_DETAIL)
def test_fewer_grid_pinpoints_set_at_load_cut_image_tokens_and_keep_batched_equal_to_alone(
    family, tmp_path_factory
):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    folder = build_tiny(family, tmp_path_factory.mktemp(f"{family}-low"))
    processor = AutoProcessor.from_pretrained(folder)
    model = AutoModelForImageTextToText.from_pretrained(folder, dtype=torch.float32).eval()
    default = sum(prepare(processor, image, PROMPTS[0])["input_ids"].shape[-1] for image in IMAGES)
    processor.image_processor.image_grid_pinpoints = LOAD_TIME_DETAIL[family]
    model.config.image_grid_pinpoints = LOAD_TIME_DETAIL[family]
    assert sum(prepare(processor, image, PROMPTS[0])["input_ids"].shape[-1] for image in IMAGES) < default
    frames = [prepare(processor, image, PROMPTS[i % 2]) for i, image in enumerate(IMAGES)]
    alone = [generate(model, processor, [f])[0] for f in frames]
    assert generate(model, processor, frames) == alone


@pytest.mark.parametrize("family", FAMILIES)
def test_the_image_changes_what_a_tiny_model_generates(family, tmp_path_factory):
    # Without this, batched == alone would hold even if a batch swapped its frames' images.
    model, processor, _ = load(family, tmp_path_factory)
    outputs = {
        tuple(generate(model, processor, [prepare(processor, image, PROMPTS[0])])[0]) for image in IMAGES
    }
    assert len(outputs) > 1
