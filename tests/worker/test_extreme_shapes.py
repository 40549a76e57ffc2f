"""Frames of every extreme shape reach every family's processor and model, or fail for their size.

Widths and heights from 1 to 100,000 pixels, both orientations, go as one job through each
family's tiny model on the worker's own path (decode, preprocess, batched generation). None
may fail as `internal_error`: it is either described or refused with a code that is not
retryable and a reason that names the limit. Each family is built once for the module.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
from PIL import Image

from frame_contract import codes
from frame_describer.decode import MAX_ASPECT_RATIO, decode_frame
from frame_describer.errors import FrameError
from frame_describer.frame_types import Description
from frame_describer.job_input import parse_job
from frame_describer.model import load_model
from frame_describer.settings import Settings
from frame_describer.worker import Worker
from testkit.hostile_frames import png_header_only
from testkit.images import b64, encode
from testkit.tiny_families import FAMILIES, build_tiny

SIDES = (1, 2, 3, 7, 13, 2049, 100_000)
SHAPES = list(itertools.product(SIDES, SIDES))
SETTINGS = Settings(max_image_pixels=40_000_000)


def over_the_limit(shape: tuple[int, int]) -> bool:
    return shape[0] * shape[1] > SETTINGS.max_image_pixels


def png(shape: tuple[int, int]) -> bytes:
    """A real PNG of `shape`; one over the pixel limit only declares its size, as a bomb would."""
    if over_the_limit(shape):
        return png_header_only(*shape)
    return encode(Image.new("RGB", shape, (200, 120, 40)), "PNG")


@pytest.fixture(scope="module")
def frames() -> list[str]:
    return [b64(png(shape)) for shape in SHAPES]


@pytest.fixture(scope="module", params=FAMILIES)
def worker(request, tmp_path_factory):
    folder = build_tiny(request.param, tmp_path_factory.mktemp(request.param))
    worker = Worker(SETTINGS, load_model(Settings(model_id=str(folder))))
    yield worker
    worker.close()


def test_every_shape_is_described_or_refused_for_its_size_never_an_internal_error(worker, frames):
    job = {"frame_data": frames, "format": "base64", "prompt": "Describe.", "max_new_tokens": 2}
    request = parse_job(job, SETTINGS, worker.capabilities)
    outcomes = asyncio.run(worker.run_job(request)).outcomes
    for shape, outcome in zip(SHAPES, outcomes, strict=True):
        if over_the_limit(shape):
            assert isinstance(outcome, FrameError) and outcome.code == codes.TOO_MANY_PIXELS, shape
            assert "pixel limit" in str(outcome)
        else:
            assert isinstance(outcome, Description), (shape, outcome)


@pytest.mark.parametrize("shape", [(100_000, 1), (1, 100_000), (2049, 1), (1, 2049), (100_000, 13)])
def test_a_strip_is_padded_to_the_widest_ratio_every_processor_takes(shape):
    image = decode_frame(png(shape), SETTINGS.max_image_pixels)
    assert max(image.size) <= MAX_ASPECT_RATIO * min(image.size)
    assert min(image.size) >= 1
