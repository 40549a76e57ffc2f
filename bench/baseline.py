"""The earlier worker's loop, written plainly: one frame per `generate` call, one after another.

It deliberately does not use the engine: processor, `generate`, decode, next frame, so the
comparison is against what the earlier worker did rather than against our own code at batch 1.
"""

from __future__ import annotations

import io

import torch
from PIL import Image

from frame_describer.prompt import chat_messages

from .context import BenchContext
from .records import RunRecord
from .timing import decode_step_ms, measured


def run_baseline(ctx: BenchContext, count: int) -> RunRecord:
    """Describe `count` frames one at a time, preprocessing included, as the earlier worker did."""
    if ctx.static_cache:
        _describe(ctx, ctx.frames[0], ctx.new_tokens)  # compiles the decoding step for this shape
    image_tokens = text_tokens = new_tokens = 0
    with measured(ctx.device) as timing:
        for data in ctx.frames[:count]:
            inputs, output = _describe(ctx, data, ctx.new_tokens)
            image_tokens, text_tokens = _token_counts(ctx, inputs["input_ids"][0])
            new_tokens += output.shape[1] - inputs["input_ids"].shape[1]
    with measured(ctx.device) as prefill:
        _describe(ctx, ctx.frames[0], 1)
    return RunRecord(
        mode="baseline",
        batch_size=1,
        frames=count,
        seconds=timing.seconds,
        peak_gpu_gib=timing.peak_gpu_gib,
        image_tokens_per_frame=image_tokens,
        text_tokens_per_frame=text_tokens,
        new_tokens_per_frame=new_tokens / count,
        batches=count,
        prefill_s_per_frame=prefill.seconds,
        decode_ms_per_step=decode_step_ms(timing.seconds / count, prefill.seconds, ctx.new_tokens),
        largest_batch=1,
    )


def _describe(ctx: BenchContext, data: bytes, new_tokens: int):
    loaded = ctx.loaded
    processor = loaded.processor
    image = Image.open(io.BytesIO(data)).convert("RGB")
    text = processor.apply_chat_template(chat_messages(ctx.prompt), add_generation_prompt=True)
    inputs = processor(images=image, text=text, return_tensors="pt").to(loaded.device)
    inputs["pixel_values"] = inputs["pixel_values"].to(loaded.dtype)
    with torch.inference_mode():
        output = loaded.model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=processor.tokenizer.pad_token_id,
        )
    processor.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    return inputs, output


def _token_counts(ctx: BenchContext, input_ids: torch.Tensor) -> tuple[int, int]:
    image = int((input_ids == ctx.loaded.model.config.image_token_index).sum())
    return image, int(input_ids.shape[0]) - image
