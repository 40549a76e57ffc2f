"""Run prepared frames through the model in one `generate` call per batch.

`prepare_frame` does the CPU work for one frame (image processing, tokenization) so it can
run while the GPU is busy. `collate` left-pads a batch exactly as the processor would, so a
frame gets the same tokens whether it is batched alone or with others. `BatchGenerator`
turns out-of-memory into smaller batches and a fatal CUDA error into `FatalDeviceError`.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from PIL import Image

from .errors import FatalDeviceError, FrameError, GenerationError
from .model import LoadedModel
from .prompt import chat_messages, clean_description, drop_unfinished_sentence

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
class GenerationOptions:
    """How many tokens to generate; frames batch together only when these are equal."""

    max_new_tokens: int
    min_new_tokens: int | None = None  # the benchmark forces an exact output length


@dataclass
class PreparedFrame:
    """One frame's model inputs, ready to collate; `sequence_length` drives grouping."""

    input_ids: torch.Tensor  # (L,)
    pixel_values: torch.Tensor  # (patches, 3, H, W)
    image_size: torch.Tensor  # (2,)
    image_tokens: int
    options: GenerationOptions
    prepared_at: float = field(default_factory=time.perf_counter)

    @property
    def sequence_length(self) -> int:
        return int(self.input_ids.shape[0])


@dataclass(frozen=True)
class Description:
    """A described frame: the cleaned text and how many tokens the model produced for it."""

    text: str
    new_tokens: int


Outcome = Description | FrameError


def prepare_frame(
    loaded: LoadedModel, image: Image.Image, prompt: str, options: GenerationOptions
) -> PreparedFrame:
    """Process one image and its prompt on the CPU into unpadded model inputs."""
    processor = loaded.processor
    text = processor.apply_chat_template(chat_messages(prompt), add_generation_prompt=True)
    inputs = processor(images=[image], text=[text], return_tensors="pt")
    input_ids = inputs["input_ids"][0]
    image_token_id = loaded.model.config.image_token_index
    return PreparedFrame(
        input_ids=input_ids,
        pixel_values=inputs["pixel_values"][0],
        image_size=inputs["image_sizes"][0],
        image_tokens=int((input_ids == image_token_id).sum()),
        options=options,
    )


def collate(frames: list[PreparedFrame], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Left-pad token ids and zero-pad image patches across `frames`, as the processor does."""
    length = max(f.sequence_length for f in frames)
    patches = max(f.pixel_values.shape[0] for f in frames)
    input_ids = torch.full((len(frames), length), pad_token_id, dtype=frames[0].input_ids.dtype)
    attention_mask = torch.zeros((len(frames), length), dtype=torch.long)
    pixel_values = frames[0].pixel_values.new_zeros((len(frames), patches, *frames[0].pixel_values.shape[1:]))
    for row, frame in enumerate(frames):
        input_ids[row, length - frame.sequence_length :] = frame.input_ids
        attention_mask[row, length - frame.sequence_length :] = 1
        pixel_values[row, : frame.pixel_values.shape[0]] = frame.pixel_values
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "pixel_values": pixel_values,
        "image_sizes": torch.stack([f.image_size for f in frames]),
    }


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


class BatchGenerator:
    """Describe a batch of prepared frames with one `generate` call, degrading gracefully."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        tokenizer = loaded.processor.tokenizer
        self.pad_token_id = tokenizer.pad_token_id
        eos = loaded.model.generation_config.eos_token_id
        eos = eos if eos is not None else tokenizer.eos_token_id
        self.eos_token_ids = torch.tensor(eos if isinstance(eos, list) else [eos])
        # Tests replace this to inject faults into the real generation step.
        self.generate: Callable[..., torch.Tensor] = loaded.model.generate

    def run(self, frames: list[PreparedFrame]) -> list[Outcome]:
        """One outcome per frame, in order. Raises only `FatalDeviceError`."""
        try:
            return self._generate(frames)
        except Exception as err:
            if is_fatal_cuda_error(err):
                raise FatalDeviceError(f"GPU failure: {err}".splitlines()[0][:200]) from err
            oom = is_out_of_memory(err)
            self._free_memory()
            if len(frames) == 1:
                reason = "out of GPU memory" if oom else f"generation failed: {type(err).__name__}"
                log.warning("frame not described: %s", err)
                return [GenerationError(reason)]
            # Split to find out which frames can still be described: out of memory needs a
            # smaller batch, and any other failure may belong to one frame only.
            log.warning("batch of %d failed (%s); splitting it", len(frames), type(err).__name__)
            half = len(frames) // 2
            first = self.run(frames[:half])
            try:
                return first + self.run(frames[half:])
            except FatalDeviceError as fatal:
                # The first half's descriptions are real: they go back with the failure.
                fatal.described = first + fatal.described
                raise

    def _generate(self, frames: list[PreparedFrame]) -> list[Outcome]:
        loaded = self.loaded
        inputs = collate(frames, self.pad_token_id)
        inputs = {k: v.to(loaded.device) for k, v in inputs.items()}
        inputs["pixel_values"] = inputs["pixel_values"].to(loaded.dtype)
        options = frames[0].options
        extra = {"min_new_tokens": options.min_new_tokens} if options.min_new_tokens else {}
        with torch.inference_mode():
            output = self.generate(
                **inputs,
                max_new_tokens=options.max_new_tokens,
                do_sample=False,
                pad_token_id=self.pad_token_id,
                **extra,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :].cpu()
        texts = loaded.processor.batch_decode(new_tokens, skip_special_tokens=True)
        counts, finished = _generated_lengths(new_tokens, self.eos_token_ids)
        return [
            _outcome(text, count, cut_off=not done)
            for text, count, done in zip(texts, counts, finished, strict=True)
        ]

    def _free_memory(self) -> None:
        gc.collect()
        if self.loaded.device.type == "cuda":
            torch.cuda.empty_cache()


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
        return GenerationError("model returned an empty description")
    return Description(cleaned, new_tokens)
