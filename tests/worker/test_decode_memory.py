"""Decoding a large frame adds at most about twice its 8-bit RGB size, whatever its mode, and
frames decoded at once share one memory budget.

Peak memory is measured in a fresh process per frame (`bench/studies/decode_memory.py`), so every
allocation Pillow and numpy make counts, not only Python's.
"""

from __future__ import annotations

import threading

import pytest

from bench.studies.decode_memory import MODES, make_frame, peak_added_bytes
from frame_describer.decode import MAX_DECODED_SIDE, DecodeBudget, decode_frame

WIDTH = HEIGHT = 6320  # just under the default 40 M-pixel limit
RGB_BYTES = 3 * WIDTH * HEIGHT


@pytest.mark.parametrize("mode", MODES)
def test_decoding_a_40_megapixel_frame_adds_at_most_twice_its_rgb_size(mode):
    assert peak_added_bytes(make_frame(mode, WIDTH, HEIGHT)) <= 2 * RGB_BYTES


@pytest.mark.parametrize("mode", ["rgb-jpeg", "gray16-png", "rgba-png"])
def test_a_frame_larger_than_any_model_uses_is_reduced_while_decoded(mode):
    image = decode_frame(make_frame(mode, 6000, 3000), 10**9)
    assert max(image.size) <= MAX_DECODED_SIDE
    assert image.size[0] == 2 * image.size[1]  # the aspect ratio is kept


def test_a_decode_waits_until_the_budget_has_room_for_it():
    budget = DecodeBudget(100)
    entered, done = threading.Event(), threading.Event()

    def second_decode():
        with budget.reserve(50):
            entered.set()
            done.wait(5)

    with budget.reserve(70):
        second = threading.Thread(target=second_decode)
        second.start()
        assert not entered.wait(0.2)  # 70 + 50 is over the budget: it has not started
    assert entered.wait(5)  # the first one's bytes came back: now it runs
    assert budget.in_use == 50
    done.set()
    second.join(5)


def test_a_frame_larger_than_the_whole_budget_still_decodes_alone():
    budget = DecodeBudget(100)
    with budget.reserve(10_000):
        assert budget.in_use == 100
