"""Peak GPU memory per batch size on the production card (a 24 GB RTX 4090, 22 GiB usable).

Two answers, side by side: an estimate from the model's shapes, which needs nothing but the
config, and a projection from the reserved peaks a GPU run measured, fitted over batch sizes
and scaled to the card's frames (exact 16:9, 1,948 image tokens) and 256 new tokens. The second
replaces the first once a GPU run exists.

The estimate is arithmetic, not measurement. A batch's peak is the weights plus the larger of
  prefill: every prompt token's KV cache plus the widest activations of one layer (the MLP's
           three intermediate tensors and a few copies of the residual stream), and
  decode:  the KV cache of every prompt and generated token,
plus a fixed allowance for CUDA workspaces. KV cache per token is
2 (keys, values) x layers x kv_heads x head_dim x bytes per value.
"""

from __future__ import annotations

from dataclasses import dataclass

from frame_describer.prompt import DEFAULT_PROMPT

from . import full_size
from .records import GIB, RunRecord

# cuBLAS workspaces, rotary tables, the vision tower's transient outputs: not per token.
FIXED_OVERHEAD_GIB = 0.5
# The production card's limit from issue #4: peak at most 22 GiB on a 24 GB RTX 4090.
CARD_LIMIT_GIB = 22.0
CARD_IMAGE_TOKENS = 1948  # exact 16:9 frames (720p, 1080p): more than 854x480's 1,850
CARD_NEW_TOKENS = 256
_CARD_BATCH_SIZES = range(1, 33)


@dataclass(frozen=True)
class Shapes:
    """The sizes that decide memory: parameter count and the language model's dimensions."""

    parameters: int
    layers: int
    kv_heads: int
    head_dim: int
    hidden: int
    intermediate: int

    @classmethod
    def of(cls, config, parameters: int) -> Shapes:
        """The shapes of any supported family's language model (`config.text_config`).

        NOTE: Gemma 3's sliding-window layers (five in six) keep at most 1,024 tokens of cache;
        counting them as full layers makes the KV cache an upper bound for prompts longer than that.
        """
        text = config.text_config
        head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
        return cls(
            parameters=parameters,
            layers=text.num_hidden_layers,
            kv_heads=text.num_key_value_heads,
            head_dim=head_dim,
            hidden=text.hidden_size,
            intermediate=text.intermediate_size,
        )

    def kv_bytes_per_token(self, dtype_bytes: int = 2) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * dtype_bytes

    def prefill_bytes_per_token(self, dtype_bytes: int = 2) -> int:
        """One layer's widest moment: gate, up and their product, plus ~4 residual-stream copies."""
        return dtype_bytes * (3 * self.intermediate + 4 * self.hidden)


def estimate_peak_gib(
    shapes: Shapes, batch_size: int, prompt_tokens: int, new_tokens: int, dtype_bytes: int = 2
) -> float:
    """Estimated `torch.cuda.max_memory_allocated` for one batch, in GiB."""
    kv = shapes.kv_bytes_per_token(dtype_bytes)
    prefill = prompt_tokens * (kv + shapes.prefill_bytes_per_token(dtype_bytes))
    decode = (prompt_tokens + new_tokens) * kv
    weights = shapes.parameters * dtype_bytes
    return (weights + batch_size * max(prefill, decode)) / GIB + FIXED_OVERHEAD_GIB


def largest_batch_within(
    shapes: Shapes, limit_gib: float, prompt_tokens: int, new_tokens: int, dtype_bytes: int = 2
) -> int:
    batch = 0
    while estimate_peak_gib(shapes, batch + 1, prompt_tokens, new_tokens, dtype_bytes) <= limit_gib:
        batch += 1
    return batch


@dataclass(frozen=True)
class MeasuredFit:
    """Measured peak = fixed + per_frame x batch size, least squares over the batched runs."""

    fixed_gib: float
    per_frame_gib: float

    def projected_gib(self, batch_size: int, scale: float = 1.0) -> float:
        return self.fixed_gib + batch_size * self.per_frame_gib * scale


def fit_measured(points: list[tuple[int, float]]) -> MeasuredFit | None:
    """Fit (batch size, peak GiB) pairs; None with fewer than two batch sizes."""
    if len({b for b, _ in points}) < 2:
        return None
    n = len(points)
    mean_b = sum(b for b, _ in points) / n
    mean_p = sum(p for _, p in points) / n
    slope = sum((b - mean_b) * (p - mean_p) for b, p in points) / sum((b - mean_b) ** 2 for b, _ in points)
    return MeasuredFit(fixed_gib=mean_p - slope * mean_b, per_frame_gib=slope)


def token_scale(measured_prompt: int, measured_new: int, target_prompt: int, target_new: int) -> float:
    """How much more a frame holds at the target lengths; the larger of the prefill and decode ratios."""
    return max(
        target_prompt / measured_prompt, (target_prompt + target_new) / (measured_prompt + measured_new)
    )


def estimate_rows(
    shapes: Shapes, batch_sizes: list[int], prompt_tokens: int, new_tokens: int, dtype_bytes: int = 2
) -> dict[int, float]:
    """Estimated peak GiB per batch size."""
    return {b: estimate_peak_gib(shapes, b, prompt_tokens, new_tokens, dtype_bytes) for b in batch_sizes}


def format_estimates(title: str, rows: dict[int, float], limit_gib: float = CARD_LIMIT_GIB) -> str:
    lines = [title, "  batch  est. peak GiB"]
    for batch, gib in rows.items():
        lines.append(f"  {batch:>5}  {gib:>13.2f}{'' if gib <= limit_gib else f'  over {limit_gib:g} GiB'}")
    return "\n".join(lines)


def card_block(shapes: Shapes, runs: list[RunRecord], new_tokens: int, dtype_bytes: int) -> dict:
    """For the results file: the card's estimate and, given measured reserved peaks, the projection."""
    text_tokens = runs[0].text_tokens_per_frame if runs else 0
    card_prompt = CARD_IMAGE_TOKENS + text_tokens
    rows = estimate_rows(shapes, list(_CARD_BATCH_SIZES), card_prompt, CARD_NEW_TOKENS, dtype_bytes)
    block: dict = {
        "frame_tokens": card_prompt,
        "new_tokens": CARD_NEW_TOKENS,
        "limit_gib": CARD_LIMIT_GIB,
        "estimated_peak_gib": rows,
        "largest_batch_estimated": _largest(rows),
    }
    # Reserved, not allocated: the caching allocator holds what it reserved, and that is what
    # must fit on the card.
    batched = [r for r in runs if r.mode == "batched" and r.peak_reserved_gib is not None]
    fit = fit_measured([(r.batch_size, r.peak_reserved_gib) for r in batched])
    if fit:
        measured_prompt = batched[0].image_tokens_per_frame + batched[0].text_tokens_per_frame
        scale = token_scale(measured_prompt, new_tokens, card_prompt, CARD_NEW_TOKENS)
        projected = {b: fit.projected_gib(b, scale) for b in _CARD_BATCH_SIZES}
        block["measured_fit"] = {
            "measure": "max_memory_reserved",
            "fixed_gib": fit.fixed_gib,
            "per_frame_gib": fit.per_frame_gib,
            "scale_to_card_frames": scale,
            "projected_peak_gib": projected,
            "largest_batch_projected": _largest(projected),
        }
    return block


def _largest(peaks: dict[int, float]) -> int:
    return max((b for b, gib in peaks.items() if gib <= CARD_LIMIT_GIB), default=0)


def estimate_text() -> str:
    """The arithmetic for the full-size LLaVA-NeXT in fp16, from the config alone (`--memory-table`)."""
    config = full_size.load_config("llava_next")
    processor = full_size.build_processor("llava_next", config, DEFAULT_PROMPT)
    prompt_tokens = CARD_IMAGE_TOKENS + full_size.text_tokens(processor, DEFAULT_PROMPT)
    shapes = Shapes.of(config, full_size.parameter_count(config))
    rows = estimate_rows(shapes, [1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32], prompt_tokens, CARD_NEW_TOKENS)
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
            f" + {CARD_NEW_TOKENS} new; fixed allowance {FIXED_OVERHEAD_GIB} GiB",
            format_estimates("estimated peak, fp16, 16:9 frames, 256 new tokens:", rows),
            f"largest batch within {CARD_LIMIT_GIB:g} GiB: "
            f"{largest_batch_within(shapes, CARD_LIMIT_GIB, prompt_tokens, CARD_NEW_TOKENS)}",
        ]
    )
