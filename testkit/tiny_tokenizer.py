"""A small word-piece tokenizer trained on the spot, with a model family's own special tokens.

Every tiny checkpoint in `testkit/tiny_families.py` needs a real fast tokenizer whose special
tokens carry the family's names (`<|image_pad|>`, `<start_of_image>`, `<im_patch>`, ...), so its
real processor and chat template find them exactly as they do in the released checkpoint.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

# Production-like text, so the prompts used in tests become a few dozen tokens, not hundreds.
CORPUS = [
    "Wide shot with dark gradient background. White sans-serif text centered, large bold title.",
    "Subtle particle effects floating. High contrast, cinematic color grading with cooler tones.",
    "Close-up of a face, shallow depth of field, warm key light from the left, soft glow and blur.",
    "Describe this video frame for a production team: camera angle and framing, visual effects,",
    "smoke, fire, particles, colour grading and lighting, composition, text overlays, background.",
    "No text overlay detected. Medium shot, low angle, handheld camera, neon lights, lens flare.",
    "You are a helpful assistant. user assistant model system User: Assistant:",
]


def train_tokenizer(
    specials: Sequence[str],
    *,
    added: Sequence[str] = (),
    named: dict[str, str] | None = None,
    extra_text: Sequence[str] = (),
    vocab_size: int = 400,
    **roles: str | None,
):
    """A `PreTrainedTokenizerFast` that pads on the left.

    `specials` get the first ids, in order; `added` are appended after the trained vocabulary
    (as Molmo 2's image tokens sit after Qwen's vocabulary). `named` become attributes such
    as `tokenizer.image_token` / `tokenizer.image_token_id`; `roles` are `bos_token`,
    `eos_token`, `pad_token`, `unk_token`.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    unk = roles.get("unk_token")
    core = Tokenizer(models.BPE(unk_token=unk))
    # Metaspace keeps decoded text readable; byte-level BPE decodes random ids to broken UTF-8.
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(specials),
        # Every printable character is a token, so no chat template text falls back to <unk>.
        initial_alphabet=list(string.printable.strip()) + ["\n", "▁"],
    )
    core.train_from_iterator([*CORPUS, *extra_text], trainer=trainer)
    if added:
        core.add_special_tokens(list(added))
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        padding_side="left",
        extra_special_tokens=dict(named or {}),
        **{role: token for role, token in roles.items() if token is not None},
    )
