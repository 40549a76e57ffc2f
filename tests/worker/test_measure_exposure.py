"""Exposure from the luma histogram, on frames whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from frame_describer.measure.exposure import exposure


def _split_frame(share: float, part: tuple[int, int, int], rest: tuple[int, int, int]) -> np.ndarray:
    """A 854x480 frame whose top `share` of rows is `part` and the rest `rest`."""
    frame = np.empty((480, 854, 3), np.uint8)
    rows = round(480 * share)
    frame[:rows], frame[rows:] = part, rest
    return frame


def test_a_frame_thirty_percent_pure_white_reports_thirty_percent_clipped():
    assert exposure(_split_frame(0.3, (255, 255, 255), (120, 110, 100)))[
        "highlights_clipped"
    ] == pytest.approx(0.30, abs=0.03)


def test_a_frame_twenty_percent_black_reports_twenty_percent_crushed():
    assert exposure(_split_frame(0.2, (0, 0, 0), (120, 110, 100)))["shadows_crushed"] == pytest.approx(
        0.2, abs=0.01
    )


def test_near_white_and_near_black_count_as_clipped_and_crushed():
    result = exposure(_split_frame(0.5, (251, 251, 251), (4, 4, 4)))
    assert result["highlights_clipped"] == pytest.approx(0.5) and result["shadows_crushed"] == pytest.approx(
        0.5
    )


def test_the_mean_weights_the_channels_as_rec_709_luma():
    assert exposure(np.full((10, 10, 3), (0, 255, 0), np.uint8))["mean"] == pytest.approx(0.7152, abs=0.002)
    assert exposure(np.full((10, 10, 3), (0, 0, 255), np.uint8))["mean"] == pytest.approx(0.0722, abs=0.002)


def test_a_flat_frame_has_no_contrast_and_black_against_white_has_all():
    assert exposure(np.full((48, 64, 3), 90, np.uint8))["contrast"] == 0.0
    assert exposure(_split_frame(0.5, (0, 0, 0), (255, 255, 255)))["contrast"] == 1.0


def test_a_few_extreme_pixels_do_not_move_the_contrast():
    frame = np.full((480, 854, 3), 100, np.uint8)
    frame[:10, :100] = 255  # 0.2 % of the frame
    frame[-10:, :100] = 0
    assert exposure(frame)["contrast"] == 0.0


def test_a_pil_image_and_its_array_measure_the_same():
    frame = _split_frame(0.4, (250, 20, 20), (10, 60, 200))
    assert exposure(Image.fromarray(frame)) == exposure(frame)


@settings(max_examples=30, deadline=None)
@given(
    height=st.integers(1, 40),
    width=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_value_is_a_plain_number_between_zero_and_one(height, width, seed):
    frame = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    result = exposure(frame)
    assert set(result) == {"mean", "highlights_clipped", "shadows_crushed", "contrast"}
    assert all(type(value) is float and 0.0 <= value <= 1.0 for value in result.values())
