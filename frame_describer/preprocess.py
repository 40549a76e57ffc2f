"""The CPU side of a frame: one image and prompt in, its model inputs out; and batches collated.

`prepare_frame` runs on the frame threads while the GPU works. `collate` joins prepared frames
exactly as the processor would have built them as one batch, so a frame gets the same inputs
whether it is batched alone or with others: tensors aligned with the token sequence are padded
on the left, every other tensor is per image and is zero-padded to the largest in its trailing
dimensions, then all are joined on the first dimension.
"""

from __future__ import annotations

import torch
from PIL import Image

from .errors import InvalidJob
from .frame_types import GenerationOptions, PreparedFrame
from .model import LoadedModel
from .prompt import chat_messages

# Sequence-aligned tensors besides `input_ids` (padded with the pad token), and their fill.
_SEQUENCE_FILL = {"attention_mask": 0, "token_type_ids": 0, "mm_token_type_ids": 0}


def prepare_frame(
    loaded: LoadedModel,
    image: Image.Image,
    prompt: str,
    options: GenerationOptions,
    detail: str = "high",
    grammar=None,
) -> PreparedFrame:
    """Process one image and its prompt into unpadded model inputs for a batch of one; `grammar`
    is the frame's own fields grammar, if it has one."""
    processor = loaded.processor
    text = processor.apply_chat_template(chat_messages(prompt), add_generation_prompt=True)
    kwargs = loaded.detail_kwargs(detail)
    inputs = dict(processor(images=[image], text=[text], return_tensors="pt", **kwargs))
    image_tokens = int((inputs["input_ids"] == loaded.image_token_id).sum())
    return PreparedFrame(inputs=inputs, image_tokens=image_tokens, options=options, grammar=grammar)


def check_prompt(loaded: LoadedModel, prompt: str) -> None:
    """Raise `InvalidJob` with a clear sentence for a prompt the processor would refuse or misread.

    Its special tokens (the image placeholder above all) would be taken for the real thing, and
    text that is not valid Unicode cannot be encoded: either way every frame would fail.
    """
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJob("'prompt' is not valid Unicode text (it holds a lone surrogate).") from None
    for token in special_tokens(loaded):
        if token in prompt:
            raise InvalidJob(f"'prompt' must not contain the model's special token {token!r}.")
    try:
        text = loaded.processor.apply_chat_template(chat_messages(prompt), add_generation_prompt=True)
        loaded.processor.tokenizer(text)
    except Exception as err:  # whatever the template or tokenizer refuses
        raise InvalidJob(f"'prompt' cannot be used with this model ({type(err).__name__}).") from None


def special_tokens(loaded: LoadedModel) -> list[str]:
    """The tokenizer's special tokens and the processor's placeholders (image, video, ...)."""
    processor = loaded.processor
    tokens = set(processor.tokenizer.all_special_tokens)
    tokens |= {
        value for name, value in vars(processor).items() if name.endswith("_token") and isinstance(value, str)
    }
    return sorted(t for t in tokens if t)


def collate(frames: list[PreparedFrame], pad_token_id: int) -> dict[str, torch.Tensor]:
    """One batch from `frames`, as the processor pads a batch of their images and texts."""
    length = max(frame.sequence_length for frame in frames)
    batch = {}
    for key in frames[0].inputs:
        tensors = [frame.inputs[key] for frame in frames]
        if key == "input_ids" or key in _SEQUENCE_FILL:
            fill = pad_token_id if key == "input_ids" else _SEQUENCE_FILL[key]
            batch[key] = torch.cat([_pad_left(t, length, fill) for t in tensors])
        else:
            if key == "image_token_pooling":
                tensors = _offset_pooling(frames)
            batch[key] = torch.cat(_pad_trailing(tensors))
    return batch


def _offset_pooling(frames: list[PreparedFrame]) -> list[torch.Tensor]:
    """Molmo 2 pools patches by their index among all the batch's patches, so each frame's
    indices move past the patches of the frames before it (-1 marks an empty slot and stays)."""
    shifted, offset = [], 0
    for frame in frames:
        pooling, pixels = frame.inputs["image_token_pooling"], frame.inputs["pixel_values"]
        shifted.append(torch.where(pooling >= 0, pooling + offset, pooling))
        offset += pixels.shape[0] * pixels.shape[1]
    return shifted


def _pad_left(tensor: torch.Tensor, length: int, fill: int) -> torch.Tensor:
    padding = length - tensor.shape[-1]
    if padding == 0:
        return tensor
    return torch.cat([tensor.new_full((*tensor.shape[:-1], padding), fill), tensor], dim=-1)


def _pad_trailing(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """Zero-pad every dimension but the first to the largest size among `tensors`."""
    target = [max(t.shape[d] for t in tensors) for d in range(1, tensors[0].dim())]
    padded = []
    for tensor in tensors:
        if list(tensor.shape[1:]) == target:
            padded.append(tensor)
            continue
        grown = tensor.new_zeros((tensor.shape[0], *target))
        grown[tuple(slice(0, size) for size in tensor.shape)] = tensor
        padded.append(grown)
    return padded
