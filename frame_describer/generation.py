"""The GPU side: one `generate` call per batch of prepared frames, degrading gracefully.

Out of memory splits the batch, down to single frames, so every frame that fits is still
described. Any other failure splits it too, since it may belong to one frame. A fatal CUDA
error ends the batch: what was described before it is returned with the error, as a value.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass

import torch

from frame_contract import codes
from frame_contract.job_input import FIELDS

from .errors import FatalDeviceError, GenerationError
from .fields import FieldsError, render_prose
from .frame_types import Description, Outcome, PreparedFrame
from .model import LoadedModel
from .preprocess import collate
from .prompt import clean_description, drop_unfinished_sentence

log = logging.getLogger(__name__)

# Substrings of the RuntimeErrors after which a CUDA context cannot be trusted again.
_FATAL_CUDA_MARKERS = (
    "device-side assert",
    "illegal memory access",
    "unspecified launch failure",
    "CUDA error",
    "CUBLAS_STATUS_EXECUTION_FAILED",
    "misaligned address",
)


@dataclass(frozen=True)
class Generated:
    """What a batch came to: one outcome per frame, or, after a fatal GPU error, the outcomes of
    the frames described before it (a prefix of the batch) and that error."""

    outcomes: list[Outcome]
    fatal: FatalDeviceError | None = None


def is_out_of_memory(err: BaseException) -> bool:
    """True for out-of-memory, including the plain RuntimeError form CUDA libraries raise.

    NOTE: cuBLAS and other libraries report "CUDA error: out of memory" as a RuntimeError; the
    context survives it, so it must split the batch rather than count as a fatal CUDA error.
    """
    if isinstance(err, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(err, RuntimeError) and "out of memory" in str(err).lower()


def is_fatal_cuda_error(err: BaseException) -> bool:
    """True for errors after which the CUDA context is broken (not for out-of-memory)."""
    if is_out_of_memory(err):
        return False
    return isinstance(err, RuntimeError) and any(m in str(err) for m in _FATAL_CUDA_MARKERS)


class Generator:
    """Describes a batch of prepared frames with one `generate` call per batch that fits."""

    def __init__(self, loaded: LoadedModel, fields_grammar=None):
        self.loaded = loaded
        self.fields_grammar = fields_grammar  # constrained.FieldsGrammar, for fields output
        tokenizer = loaded.processor.tokenizer
        self.pad_token_id = tokenizer.pad_token_id
        eos = loaded.model.generation_config.eos_token_id
        eos = eos if eos is not None else tokenizer.eos_token_id
        self.eos_token_ids = torch.tensor(eos if isinstance(eos, list) else [eos])
        # The one place tests and the benchmark wrap to inject faults or watch for them.
        self.generate: Callable[..., torch.Tensor] = loaded.model.generate

    def run(self, frames: list[PreparedFrame]) -> Generated:
        """Describe `frames` (all with the same options); never raises."""
        try:
            return Generated(self._generate(frames))
        except Exception as err:
            if is_fatal_cuda_error(err):
                return Generated([], FatalDeviceError(f"GPU failure: {err}".splitlines()[0][:200]))
            oom = is_out_of_memory(err)
            self._free_memory()
            if len(frames) == 1:
                log.warning("frame not described: %s", err)
                if oom:
                    return Generated([GenerationError("out of GPU memory", codes.OUT_OF_GPU_MEMORY)])
                reason = f"generation failed: {type(err).__name__}"
                return Generated([GenerationError(reason, codes.GENERATION_FAILED)])
            log.warning("batch of %d failed (%s); splitting it", len(frames), type(err).__name__)
            half = len(frames) // 2
            first = self.run(frames[:half])
            if first.fatal is not None:
                return first
            second = self.run(frames[half:])
            return Generated(first.outcomes + second.outcomes, second.fatal)

    def _generate(self, frames: list[PreparedFrame]) -> list[Outcome]:
        loaded = self.loaded
        inputs = {key: _to_model(value, loaded) for key, value in collate(frames, self.pad_token_id).items()}
        options = frames[0].options
        extra = {}
        constraint = None
        if options.output == FIELDS:
            from .constrained import FieldsLogitsProcessor  # llguidance: only for fields jobs

            grammars = [frame.grammar or self.fields_grammar for frame in frames]
            constraint = FieldsLogitsProcessor(grammars, len(frames))
            extra["logits_processor"] = [constraint]
        with torch.inference_mode():
            output = self.generate(
                **inputs,
                # Equal options share a batch, so this is the job's budget, or in fields mode the
                # largest frame grammar's minimum: each row's grammar ends it at its object's end.
                max_new_tokens=max(frame.max_new_tokens for frame in frames),
                do_sample=False,
                pad_token_id=self.pad_token_id,
                **extra,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :].cpu()
        counts, finished = _generated_lengths(new_tokens, self.eos_token_ids)
        if constraint is not None:
            rows = new_tokens.tolist()
            return [_fields_outcome(constraint, row, rows[row], counts[row]) for row in range(len(rows))]
        texts = loaded.processor.batch_decode(new_tokens, skip_special_tokens=True)
        return [
            _outcome(text, count, cut_off=not done)
            for text, count, done in zip(texts, counts, finished, strict=True)
        ]

    def _free_memory(self) -> None:
        gc.collect()
        if self.loaded.device.type == "cuda":
            torch.cuda.empty_cache()


def _to_model(tensor: torch.Tensor, loaded: LoadedModel) -> torch.Tensor:
    """On the model's device; pixel values and other floating inputs in the model's dtype."""
    if tensor.is_floating_point():
        return tensor.to(loaded.device, dtype=loaded.dtype)
    return tensor.to(loaded.device)


def _generated_lengths(new_tokens: torch.Tensor, eos_token_ids: torch.Tensor) -> tuple[list[int], list[bool]]:
    """Tokens each row generated, up to and including its first end-of-sequence token, and
    whether it reached one (False: the token limit cut it off).

    Rows that finish early are filled with padding up to the longest row; that is not output.
    """
    is_eos = torch.isin(new_tokens, eos_token_ids)
    finished = is_eos.any(dim=1)
    first_eos = torch.where(finished, is_eos.int().argmax(dim=1) + 1, new_tokens.shape[1])
    return first_eos.tolist(), finished.tolist()


def _outcome(text: str, new_tokens: int, cut_off: bool) -> Outcome:
    cleaned = clean_description(text)
    if cut_off:
        cleaned = drop_unfinished_sentence(cleaned)
    if not cleaned:
        return GenerationError("model returned an empty description", codes.EMPTY_DESCRIPTION)
    return Description(cleaned, new_tokens)


def _fields_outcome(constraint, row: int, tokens: list[int], new_tokens: int) -> Outcome:
    # NOTE: the constraint decodes the row itself: the Hugging Face decoder would turn a run of
    # byte tokens holding half a character, closing quote included, into one U+FFFD.
    try:
        fields = constraint.parse_row(row, tokens)
    except FieldsError as err:
        return GenerationError(f"fields output failed: {err}", codes.GENERATION_FAILED)
    return Description(render_prose(fields), new_tokens, fields)
