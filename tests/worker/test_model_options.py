"""How the settings shape model loading: dtype and quantization."""

from __future__ import annotations

import pytest
import torch

from frame_describer.errors import ModelLoadError
from frame_describer.families import family_of
from frame_describer.model import pick_dtype, quantization_config
from frame_describer.settings import Settings

CUDA = torch.device("cuda")
CPU = torch.device("cpu")
LLAVA_NEXT = family_of("llava_next")


def test_auto_dtype_is_the_familys_half_precision_on_a_gpu_and_full_precision_on_a_cpu():
    assert pick_dtype(Settings(), CUDA, LLAVA_NEXT) == torch.float16
    assert pick_dtype(Settings(), CUDA, family_of("gemma3")) == torch.bfloat16
    assert pick_dtype(Settings(), CPU, LLAVA_NEXT) == torch.float32


def test_a_named_dtype_is_used_as_given():
    assert pick_dtype(Settings(dtype="bfloat16"), CUDA, LLAVA_NEXT) == torch.bfloat16


def test_quantization_without_a_gpu_is_refused_with_a_clear_message():
    with pytest.raises(ModelLoadError, match="needs a CUDA GPU"):
        quantization_config(Settings(quantization="4bit"), CPU, LLAVA_NEXT)


def test_four_bit_quantization_keeps_the_vision_tower_and_projector_unquantized():
    config = quantization_config(Settings(quantization="4bit"), CUDA, LLAVA_NEXT)
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4"
    # Full module prefixes: bitsandbytes silently ignores a bare "vision_tower".
    assert {"model.vision_tower", "model.multi_modal_projector"} <= set(config.llm_int8_skip_modules)


def test_eight_bit_quantization_is_llm_int8():
    assert quantization_config(Settings(quantization="8bit"), CUDA, LLAVA_NEXT).load_in_8bit


def test_no_quantization_by_default():
    assert quantization_config(Settings(), CUDA, LLAVA_NEXT) is None
