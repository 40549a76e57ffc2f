"""The palette in CIELAB: known colour blocks, through a real JPEG round trip where it matters."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from frame_describer.measure.colour import MAX_COLOURS, palette
from testkit.images import encode

BLOCKS = [((200, 30, 40), 0.5), ((20, 160, 90), 0.3), ((240, 230, 200), 0.2)]
RGB_TOLERANCE = 12.0  # Euclidean distance in 8-bit RGB
SHARE_TOLERANCE = 0.05


def _blocks(blocks, size=(854, 480)) -> Image.Image:
    """Vertical colour bands, left to right, each as wide as its share."""
    w, h = size
    frame = np.empty((h, w, 3), np.uint8)
    start = 0
    for colour, share in blocks:
        end = start + round(w * share)
        frame[:, start:end] = colour
        start = end
    frame[:, start:] = blocks[-1][0]
    return Image.fromarray(frame)


def _jpeg(image: Image.Image) -> Image.Image:
    return Image.open(io.BytesIO(encode(image, "JPEG", quality=85))).convert("RGB")


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


@pytest.mark.parametrize("through_jpeg", [False, True], ids=["exact", "jpeg"])
def test_known_colour_blocks_come_back_with_their_shares(through_jpeg):
    image = _blocks(BLOCKS)
    result = palette(_jpeg(image) if through_jpeg else image)["palette"]
    assert len(result) == len(BLOCKS)
    for (colour, share), entry in zip(BLOCKS, result, strict=True):
        assert np.linalg.norm(_rgb(entry["hex"]) - colour) <= RGB_TOLERANCE, entry
        assert entry["share"] == pytest.approx(share, abs=SHARE_TOLERANCE)


def test_blurred_edges_between_blocks_do_not_become_colours_of_their_own():
    from PIL import ImageFilter

    image = _blocks(BLOCKS).filter(ImageFilter.GaussianBlur(4))
    assert len(palette(image)["palette"]) == len(BLOCKS)


def test_two_shades_a_viewer_cannot_tell_apart_are_one_colour():
    image = _blocks([((100, 120, 200), 0.5), ((104, 122, 203), 0.5)])
    [entry] = palette(image)["palette"]
    assert entry["share"] == 1.0


def test_a_single_colour_frame_is_one_colour_with_all_the_share():
    assert palette(Image.new("RGB", (1920, 1080), (12, 34, 56)))["palette"] == [
        {"hex": "#0c2238", "share": 1.0}
    ]


def test_a_noisy_frame_has_at_most_six_colours_by_share_summing_to_one():
    noise = np.random.default_rng(0).integers(0, 256, (480, 854, 3), dtype=np.uint8)
    result = palette(noise)["palette"]
    shares = [entry["share"] for entry in result]
    assert 1 <= len(result) <= MAX_COLOURS
    assert shares == sorted(shares, reverse=True)
    assert sum(shares) == pytest.approx(1.0, abs=1e-9)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", entry["hex"]) for entry in result)


def test_the_same_frame_gets_the_same_palette():
    noise = np.random.default_rng(1).integers(0, 256, (480, 854, 3), dtype=np.uint8)
    assert palette(noise) == palette(noise.copy())


@pytest.mark.parametrize("size", [(1, 20000), (1, 1)], ids=["1x20000", "1x1"])
def test_a_frame_of_any_shape_gets_a_palette(size):
    assert palette(Image.new("RGB", size, (255, 255, 255)))["palette"] == [{"hex": "#ffffff", "share": 1.0}]
