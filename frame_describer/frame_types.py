"""The plain values a frame becomes on its way through the worker; nothing here needs torch.

A decoded image becomes a `PreparedFrame` (its model inputs, `preprocess.py`), which the engine
batches with others and generation turns into an `Outcome`: a `Description` or the frame's
`FrameError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frame_contract.job_input import TEXT

from .errors import FrameError


@dataclass(frozen=True)
class GenerationOptions:
    """How to generate; frames share a batch only when their options are equal."""

    max_new_tokens: int
    output: str = TEXT  # "text" (prose) or "fields" (one JSON object, constrained decoding)


@dataclass
class PreparedFrame:
    """One frame's model inputs as the processor returns them for a batch of one.

    `grammar` is the frame's own fields grammar (`FieldsGrammar.for_frame`, its text overlays
    the OCR'd lines), or None for the worker's. It is not part of `options`: frames with
    different grammars share a batch, one grammar per row.
    """

    inputs: dict[str, Any]  # tensors, each with a leading dimension of 1 or per-image
    image_tokens: int
    options: GenerationOptions
    grammar: Any = None  # constrained.FieldsGrammar; Any keeps this module free of llguidance

    @property
    def sequence_length(self) -> int:
        return int(self.inputs["input_ids"].shape[-1])

    @property
    def max_new_tokens(self) -> int:
        """The job's budget, or the frame's grammar's minimum when that is more (long OCR'd lines
        are literal text the object must hold)."""
        needed = self.grammar.minimum_new_tokens if self.grammar is not None else 0
        return max(self.options.max_new_tokens, needed)


@dataclass(frozen=True)
class Description:
    """A described frame: the cleaned text and how many tokens the model produced for it; in
    fields mode also the object the text is rendered from; for a job that measures, the frame's
    measurements (`frame_contract.output`'s shape)."""

    text: str
    new_tokens: int
    fields: dict | None = None
    measurements: dict | None = None


Outcome = Description | FrameError
