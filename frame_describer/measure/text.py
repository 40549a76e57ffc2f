"""On-screen text: the lines of a frame read by OCR, with their boxes, in reading order.

The OCR is rapidocr's PP-OCR detection and recognition models on onnxruntime; the models ship
inside rapidocr's wheel, so nothing is downloaded. The engine is built once per process, by
`load()` at start-up or by the first `read_text()`, whichever comes first, and is shared by
every thread (onnxruntime sessions run concurrently).

`read_text(image)` returns a `TextReading`: at most `MAX_LINES` lines of `{"text", "box",
"confidence"}`, `box` being `[x0, y0, x1, y1]` as fractions of the frame's width and height,
sorted top to bottom by line band, then left to right. When detection finds more regions, the
`MAX_LINES` tallest ones are read (large text is what a viewer reads first) and `truncated`
says so. Any RGB frame gives a reading in bounded time; an OCR failure is a `MeasureError`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..errors import MeasureError
from .image import rgb_array

log = logging.getLogger(__name__)

MAX_LINES = 50  # regions read per frame; more are dropped, smallest first, and `truncated` is set
MIN_CONFIDENCE = 0.5  # recognition score below which a line is dropped (rapidocr's own default)
# NOTE: rapidocr's detector scales a frame's *short* side up to 736 px, so a long thin frame
# grows without bound (a 30x2000 strip would become 736x49,000). Padding the short side until
# the frame is at most this elongated keeps the detector's input near a 1080p frame's size.
MAX_ASPECT = 4.0
MAX_SIDE = 2000  # rapidocr reduces larger frames to this long side itself
MIN_SIDE = 8  # a frame thinner than this after reduction holds no readable line
_PAD_GREY = 127  # mid grey: no edge for the detector to mistake for a stroke

_engine = None
_engine_lock = threading.Lock()


@dataclass(frozen=True)
class TextReading:
    """The lines read on one frame, and whether `MAX_LINES` cut some off."""

    lines: list[dict]
    truncated: bool = False


def load() -> float:
    """Build the OCR engine now, if no call has yet; returns the seconds it took (0.0 if built).

    The cost (import, model load, a first run that lets onnxruntime settle its buffers) is paid
    here rather than by the first frame, and logged.
    """
    global _engine
    if _engine is not None:
        return 0.0
    with _engine_lock:
        if _engine is not None:
            return 0.0
        started = time.perf_counter()
        engine = _build_engine()
        _run(engine, _warm_up_frame())
        seconds = time.perf_counter() - started
        _engine = engine
    log.info("OCR engine loaded in %.2f s", seconds)
    return seconds


def is_loaded() -> bool:
    return _engine is not None


def read_text(image) -> TextReading:
    """The text lines of `image` (a PIL image or an H x W x 3 RGB array)."""
    frame = rgb_array(image)
    load()
    height, width = frame.shape[:2]
    prepared, offset = _bounded(frame)
    if prepared is None:
        return TextReading([])
    try:
        boxes, texts, scores, truncated = _run(_engine, prepared)
    except Exception as err:  # the OCR library is a black box: any failure is this frame's
        raise MeasureError(f"the OCR failed on this frame ({type(err).__name__})") from err
    lines = []
    for quad, text, score in zip(boxes, texts, scores, strict=True):
        text = " ".join(text.split())
        if not text or score < MIN_CONFIDENCE:
            continue
        lines.append({"text": text, "box": _fraction_box(quad, offset, width, height), "confidence": score})
    return TextReading(reading_order(lines), truncated)


def reading_order(lines: list[dict]) -> list[dict]:
    """`lines` top to bottom by band, left to right within a band.

    A line joins a band when its vertical centre lies inside the band's first line; so words
    of one baseline that the detector split stay together, and a taller title beside a small
    caption does not swallow the next row.
    """
    bands: list[list[dict]] = []
    for line in sorted(lines, key=lambda line: (line["box"][1] + line["box"][3]) / 2):
        centre = (line["box"][1] + line["box"][3]) / 2
        if bands and bands[-1][0]["box"][1] <= centre <= bands[-1][0]["box"][3]:
            bands[-1].append(line)
        else:
            bands.append([line])
    return [line for band in bands for line in sorted(band, key=lambda line: line["box"][0])]


def _build_engine():
    from rapidocr import RapidOCR

    # NOTE: rapidocr logs through its own coloured stderr handler; hand its records to the
    # worker's logging instead, and only from warnings up (it logs every model path at INFO).
    ocr_log = logging.getLogger("RapidOCR")
    engine = RapidOCR(params={"Global.log_level": "warning"})
    for handler in list(ocr_log.handlers):
        ocr_log.removeHandler(handler)
    ocr_log.propagate = True
    return engine


def _warm_up_frame() -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (320, 80), (255, 255, 255))
    ImageDraw.Draw(image).text((16, 16), "Ready 42", font=ImageFont.load_default(size=40), fill=(0, 0, 0))
    return np.asarray(image)


def _bounded(frame: np.ndarray) -> tuple[np.ndarray | None, tuple[int, int, float]]:
    """The frame as the OCR should see it (BGR, long side <= MAX_SIDE, aspect <= MAX_ASPECT) and
    how to map its coordinates back: (left pad, top pad, scale); None when no text can fit."""
    import cv2

    height, width = frame.shape[:2]
    scale = min(1.0, MAX_SIDE / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        height, width = frame.shape[:2]
    if min(height, width) < MIN_SIDE:
        return None, (0, 0, scale)
    pad_x = max(0, int(np.ceil(height / MAX_ASPECT)) - width)
    pad_y = max(0, int(np.ceil(width / MAX_ASPECT)) - height)
    left, top = pad_x // 2, pad_y // 2
    if pad_x or pad_y:
        frame = cv2.copyMakeBorder(
            frame, top, pad_y - top, left, pad_x - left, cv2.BORDER_CONSTANT, value=(_PAD_GREY,) * 3
        )
    return cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), (left, top, scale)


def _run(engine, bgr: np.ndarray) -> tuple[list[np.ndarray], list[str], list[float], bool]:
    """Detect, keep the MAX_LINES tallest regions, recognise them: (quads in `bgr`'s pixels,
    texts, scores, truncated).

    NOTE: rapidocr's own `__call__` recognises every region the detector finds (up to 1,000),
    so a frame full of small print would take a minute; its pipeline steps are called here
    instead, with the cap between them. The angle classifier is skipped: overlays are upright.
    """
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.process_img import map_boxes_to_original

    height, width = bgr.shape[:2]
    prepared, record = engine.preprocess_img(bgr)
    try:
        crops, detected = engine.detect_and_crop(prepared, record)
    except RapidOCRError:  # it raises this when the detector finds no text at all
        return [], [], [], False
    boxes = detected.boxes
    order = sorted(range(len(boxes)), key=lambda i: -_height(boxes[i]))
    kept = sorted(order[:MAX_LINES])
    recognised = engine.recognize_txt([crops[i] for i in kept])
    quads = map_boxes_to_original(np.array([boxes[i] for i in kept], dtype=np.float32), record, height, width)
    scores = [round(float(s), 3) for s in recognised.scores]
    return list(quads), list(recognised.txts), scores, len(boxes) > MAX_LINES


def _height(quad: np.ndarray) -> float:
    return float(quad[:, 1].max() - quad[:, 1].min())


def _fraction_box(quad: np.ndarray, offset: tuple[int, int, float], width: int, height: int) -> list[float]:
    """A detected quad (in the bounded frame's pixels) as [x0, y0, x1, y1] fractions of the frame."""
    left, top, scale = offset
    xs = (quad[:, 0] - left) / scale / width
    ys = (quad[:, 1] - top) / scale / height
    corners = (xs.min(), ys.min(), xs.max(), ys.max())
    return [round(min(1.0, max(0.0, float(v))), 4) for v in corners]
