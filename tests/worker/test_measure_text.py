"""On-screen text by OCR: real rapidocr models on frames with text drawn by Pillow.

The engine is loaded once for the module. Fonts: Pillow's bundled one only (every machine
that runs these tests has it), in the four overlay styles over generated backgrounds.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from frame_describer.errors import MeasureError
from frame_describer.measure import measure_frame, text
from frame_describer.measure.text import MAX_LINES, join_pieces, read_text, reading_order
from testkit.text_frames import STYLES, random_text_frames, text_frame


@pytest.fixture(scope="module", autouse=True)
def engine():
    text.load()


STYLED_FRAMES = {
    "plain": text_frame(
        [("Coming Soon", "plain", 44, (0.08, 0.12)), ("Episode 12", "plain", 26, (0.55, 0.78))],
        backdrop="gradient",
        seed=1,
    ),
    "outlined": text_frame(
        [("BREAKING NEWS", "outlined", 52, (0.1, 0.08)), ("Live from Paris", "outlined", 30, (0.3, 0.7))],
        size=(1280, 720),
        backdrop="blobs",
        seed=2,
    ),
    "banner": text_frame(
        [("Summer Sale", "banner", 40, (0.1, 0.1)), ("Open 24 Hours", "banner", 24, (0.5, 0.8))],
        backdrop="noise",
        seed=3,
    ),
    "shadowed": text_frame(
        [("The Final Countdown", "shadowed", 48, (0.05, 0.4)), ("Night Market", "shadowed", 28, (0.6, 0.1))],
        size=(1280, 720),
        backdrop="gradient",
        seed=4,
    ),
}


@pytest.mark.parametrize("style", STYLES)
def test_lines_of_every_style_come_back_exactly_each_inside_its_place(style):
    frame = STYLED_FRAMES[style]
    reading = read_text(frame.image)
    assert sorted(line["text"] for line in reading.lines) == sorted(line.text for line in frame.lines)
    for drawn in frame.lines:
        [read] = [line for line in reading.lines if line["text"] == drawn.text]
        assert frame.holds(drawn, read["box"]), (drawn, read)
        assert 0.5 <= read["confidence"] <= 1.0


@pytest.mark.parametrize("backdrop", ["gradient", "blobs", "flat"])
def test_a_frame_without_text_reports_none(backdrop):
    assert read_text(text_frame([], backdrop=backdrop, seed=7).image).lines == []


def test_lines_come_in_reading_order():
    frame = text_frame(
        [
            ("Night Market", "plain", 30, (0.55, 0.42)),
            ("Coming Soon", "banner", 40, (0.3, 0.08)),
            ("Welcome Home", "plain", 30, (0.05, 0.43)),
            ("Morning Run", "banner", 24, (0.6, 0.8)),
            ("Episode 12", "banner", 24, (0.1, 0.8)),
        ],
        backdrop="gradient",
        seed=5,
    )
    reading = read_text(frame.image)
    assert [line["text"] for line in reading.lines] == [
        "Coming Soon",
        "Welcome Home",
        "Night Market",
        "Episode 12",
        "Morning Run",
    ]


def test_a_frame_full_of_text_reads_its_tallest_lines_and_says_it_was_cut():
    words = ["Sale", "Open", "Home", "Best", "Coffee", "Night", "Run", "Light"]
    lines = [("TITLE ONE", "banner", 40, (0.3, 0.02))]
    for row in range(12):
        for column in range(6):
            word = words[(row + column) % len(words)]
            lines.append((word, "plain", 14, (0.02 + column * 0.16, 0.14 + row * 0.07)))
    reading = read_text(text_frame(lines, backdrop="flat", seed=8).image)
    assert reading.truncated
    assert len(reading.lines) == MAX_LINES
    assert "TITLE ONE" in [line["text"] for line in reading.lines]


@pytest.mark.parametrize(
    "size",
    [(1, 20000), (20000, 1), (2, 2), (40, 3000)],
    ids=["1x20000", "20000x1", "2x2", "tall-strip"],
)
def test_a_frame_of_any_shape_gets_a_reading(size):
    reading = read_text(Image.new("RGB", size, (200, 40, 40)))
    assert reading.lines == [] and not reading.truncated


def test_a_long_thin_banner_is_read_where_it_is():
    frame = text_frame(
        [("Subscribe Now", "plain", 40, (0.02, 0.1))], size=(1800, 60), backdrop="flat", seed=9
    )
    [line] = read_text(frame.image).lines
    assert line["text"] == "Subscribe Now"
    assert frame.holds(frame.lines[0], line["box"])


def test_a_frame_the_ocr_cannot_read_gets_a_bounded_reading():
    noise = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    reading = read_text(noise)
    assert len(reading.lines) <= MAX_LINES
    assert all(line["confidence"] >= text.MIN_CONFIDENCE for line in reading.lines)


def test_frames_read_at_once_from_several_threads_read_as_they_do_alone():
    frames = [STYLED_FRAMES[style].image for style in ("plain", "banner")]
    alone = [read_text(image) for image in frames]
    together: list = [None, None]
    start = threading.Barrier(2)

    def read(slot: int) -> None:
        start.wait()
        together[slot] = read_text(frames[slot])

    threads = [threading.Thread(target=read, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone


def test_the_engine_loads_once():
    assert text.is_loaded()
    assert text.load() == 0.0


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((10, 10), np.uint8),
        np.zeros((10, 10, 3), np.float32),
        np.zeros((0, 10, 3), np.uint8),
        "frame.jpg",
    ],
    ids=["grey-array", "float-array", "no-pixels", "a-path"],
)
def test_something_that_is_not_an_rgb_frame_is_a_measure_error(bad):
    with pytest.raises(MeasureError, match="a frame to measure"):
        read_text(bad)


def test_reading_order_keeps_a_band_together_and_rows_apart():
    def line(label, x0, y0, x1, y1):
        return {"text": label, "box": [x0, y0, x1, y1], "confidence": 1.0}

    lines = [
        line("world", 0.5, 0.11, 0.7, 0.19),
        line("caption", 0.1, 0.3, 0.3, 0.34),
        line("Hello", 0.1, 0.1, 0.4, 0.2),
        line("right", 0.6, 0.31, 0.8, 0.35),
    ]
    assert [x["text"] for x in reading_order(lines)] == ["Hello", "world", "caption", "right"]


def test_pieces_of_one_line_are_joined_and_separate_lines_are_not():
    pieces = [
        [300, 100, 420, 140],  # the second word of a title, 20 px (half a height) after the first
        [100, 102, 280, 140],
        [430, 90, 470, 180],  # far taller: another line
        [100, 300, 200, 320],
        [400, 301, 500, 321],  # same band, far apart: a separate caption
    ]
    assert join_pieces(pieces) == [
        [100, 100, 420, 140],
        [430, 90, 470, 180],
        [100, 300, 200, 320],
        [400, 301, 500, 321],
    ]


def test_a_line_the_detector_splits_at_a_wide_word_space_is_read_whole():
    """The detector finds "Morning" and "Run" apart, overlapping, on this frame."""
    frame = random_text_frames(1, (854, 480))[0]
    assert sorted(line["text"] for line in read_text(frame.image).lines) == sorted(
        line.text for line in frame.lines
    )


def test_a_frame_measured_for_text_carries_its_lines_and_whether_they_were_cut():
    frame = STYLED_FRAMES["banner"]
    result = measure_frame(frame.image, ["text"])
    assert result == {"text": read_text(frame.image).lines, "text_truncated": False}
