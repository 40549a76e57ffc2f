"""The production card: which batch size keeps a 24 GB RTX 4090 under 22 GiB.

Two answers, side by side: the arithmetic from the model's shapes (`bench/memory.py`), which
needs nothing but the config, and a projection from the peaks a GPU run measured, fitted
over batch sizes and scaled to the card's frames (exact 16:9, 1,948 image tokens) and 256
new tokens. The second replaces the first once a GPU run exists.
"""

from __future__ import annotations

from frame_describer.prompt import DEFAULT_PROMPT

from . import full_model, memory
from .records import RunRecord
from .timing import GIB

CARD_IMAGE_TOKENS = 1948  # exact 16:9 frames (720p, 1080p): more than 854x480's 1,850
CARD_NEW_TOKENS = 256
_BATCH_SIZES = range(1, 33)


def memory_block(shapes: memory.Shapes, runs: list[RunRecord], new_tokens: int, dtype_bytes: int) -> dict:
    """For the results file: the estimate for the card and, given measured peaks, the projection."""
    text_tokens = runs[0].text_tokens_per_frame if runs else 0
    card_prompt = CARD_IMAGE_TOKENS + text_tokens
    rows = memory.estimate_rows(shapes, list(_BATCH_SIZES), card_prompt, CARD_NEW_TOKENS, dtype_bytes)
    block: dict = {
        "frame_tokens": card_prompt,
        "new_tokens": CARD_NEW_TOKENS,
        "limit_gib": memory.CARD_LIMIT_GIB,
        "estimated_peak_gib": rows,
        "largest_batch_estimated": _largest(rows),
    }
    batched = [r for r in runs if r.mode == "batched" and r.peak_gpu_gib is not None]
    fit = memory.fit_measured([(r.batch_size, r.peak_gpu_gib) for r in batched])
    if fit:
        measured_prompt = batched[0].image_tokens_per_frame + batched[0].text_tokens_per_frame
        scale = memory.token_scale(measured_prompt, new_tokens, card_prompt, CARD_NEW_TOKENS)
        projected = {b: fit.projected_gib(b, scale) for b in _BATCH_SIZES}
        block["measured_fit"] = {
            "fixed_gib": fit.fixed_gib,
            "per_frame_gib": fit.per_frame_gib,
            "scale_to_card_frames": scale,
            "projected_peak_gib": projected,
            "largest_batch_projected": _largest(projected),
        }
    return block


def _largest(peaks: dict[int, float]) -> int:
    return max((b for b, gib in peaks.items() if gib <= memory.CARD_LIMIT_GIB), default=0)


def estimate_text() -> str:
    """The arithmetic for the full model in fp16, from the config alone (`--memory-table`)."""
    config = full_model.load_config()
    processor = full_model.build_processor(config, DEFAULT_PROMPT)
    prompt_tokens = CARD_IMAGE_TOKENS + full_model.text_tokens(processor, DEFAULT_PROMPT)
    shapes = memory.Shapes.of(config, full_model.parameter_count(config))
    rows = memory.estimate_rows(shapes, [1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32], prompt_tokens, 256)
    weights = shapes.parameters * 2
    return "\n".join(
        [
            f"weights: {shapes.parameters / 1e9:.3f} B parameters x 2 bytes = {weights / 1e9:.2f} GB "
            f"({weights / GIB:.2f} GiB)",
            f"KV cache: 2 x {shapes.layers} layers x {shapes.kv_heads} kv heads x {shapes.head_dim} x 2 bytes"
            f" = {shapes.kv_bytes_per_token() // 1024} KiB per token",
            f"prefill activations: 2 bytes x (3 x {shapes.intermediate} + 4 x {shapes.hidden})"
            f" = {shapes.prefill_bytes_per_token() / 1024:.0f} KiB per token",
            f"a frame: {prompt_tokens} prompt tokens ({CARD_IMAGE_TOKENS} image + text)"
            f" + {CARD_NEW_TOKENS} new; fixed allowance {memory.FIXED_OVERHEAD_GIB} GiB",
            memory.format_estimates("estimated peak, fp16, 16:9 frames, 256 new tokens:", rows),
            f"largest batch within {memory.CARD_LIMIT_GIB:g} GiB: "
            f"{memory.largest_batch_within(shapes, memory.CARD_LIMIT_GIB, prompt_tokens, CARD_NEW_TOKENS)}",
        ]
    )
