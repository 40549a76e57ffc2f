"""Batching on the tiny model: the company a frame keeps never changes its description."""

from __future__ import annotations

import torch

from frame_describer.engine import DescriptionEngine
from frame_describer.frame_types import GenerationOptions
from frame_describer.generation import Generator
from frame_describer.preprocess import collate, prepare_frame
from frame_describer.prompt import DEFAULT_PROMPT, chat_messages
from testkit.images import b64, distinct_jpegs, frame, jpeg

OPTIONS = GenerationOptions(max_new_tokens=12)


def test_a_frame_is_described_the_same_alone_and_inside_a_batch(run_job):
    frames = [b64(data) for data in distinct_jpegs(5)] + [b64(jpeg((90, 30, 200), size=(640, 480)))]
    together = run_job({"frame_data": frames, "format": "base64"})["descriptions"]
    alone = [run_job({"frame_data": [f], "format": "base64"})["descriptions"][0] for f in frames]
    assert together == alone
    assert len(set(alone)) > 1  # the frames really differ, so the comparison means something


def test_collated_frames_match_what_the_processor_builds_for_the_batch(handler_module):
    loaded = handler_module.WORKER.loaded
    images = [frame((10, 20, 30)), frame((200, 100, 0), size=(480, 480)), frame((0, 90, 0), size=(640, 480))]
    prompts = [DEFAULT_PROMPT, "Short prompt.", "Read the text overlay."]
    prepared = [prepare_frame(loaded, image, p, OPTIONS) for image, p in zip(images, prompts, strict=True)]
    ours = collate(prepared, loaded.processor.tokenizer.pad_token_id)
    template = loaded.processor.apply_chat_template
    texts = [template(chat_messages(p), add_generation_prompt=True) for p in prompts]
    theirs = loaded.processor(images=images, text=texts, return_tensors="pt", padding=True)
    for key in ("input_ids", "attention_mask", "pixel_values", "image_sizes"):
        assert torch.equal(ours[key], theirs[key]), key


def test_a_job_prompt_changes_what_the_model_is_asked(run_job):
    frames = [b64(jpeg())]
    default = run_job({"frame_data": frames, "format": "base64"})["descriptions"][0]
    custom = run_job({"frame_data": frames, "format": "base64", "prompt": "Read any text overlay."})
    assert custom["descriptions"][0] != default


def test_max_new_tokens_bounds_the_output_length(handler_module):
    loaded = handler_module.WORKER.loaded
    prepared = prepare_frame(loaded, frame(), DEFAULT_PROMPT, GenerationOptions(max_new_tokens=3))
    [outcome] = handler_module.WORKER.engine.describe([prepared])
    assert 1 <= outcome.new_tokens <= 3


def test_frames_with_different_token_budgets_are_not_batched_together(handler_module):
    loaded = handler_module.WORKER.loaded
    generator = Generator(loaded)
    generate = generator.generate
    # Every row writes its whole budget (as the benchmark forces it), so a frame batched under
    # another frame's budget would show it.
    generator.generate = lambda **kwargs: generate(**kwargs, min_new_tokens=kwargs["max_new_tokens"])
    engine = DescriptionEngine(generator, max_batch_size=4, batch_wait_s=0.05)
    short = prepare_frame(loaded, frame(), DEFAULT_PROMPT, GenerationOptions(max_new_tokens=2))
    long = prepare_frame(loaded, frame(), DEFAULT_PROMPT, GenerationOptions(max_new_tokens=20))
    try:
        outcomes = engine.describe([short, long])
    finally:
        engine.close()
    assert [outcome.new_tokens for outcome in outcomes] == [2, 20]
