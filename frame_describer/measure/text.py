"""On-screen text: the lines of a frame read by OCR, with their boxes, in reading order.

The OCR is rapidocr's PP-OCR detection and recognition models on onnxruntime; the models ship
inside rapidocr's wheel, so nothing is downloaded. The engine is built once per process, by
`load()` at start-up or by the first `read_text()`, whichever comes first, and is shared by
every thread (onnxruntime sessions run concurrently).

`read_text(image)` returns a `TextReading`: at most `MAX_LINES` lines of `{"text", "box",
"confidence"}`, `box` being `[x0, y0, x1, y1]` as fractions of the frame's width and height,
sorted top to bottom by line band, then left to right. When detection finds more regions, the
`MAX_LINES` tallest ones are read (large text is what a viewer reads first) and `truncated`
says so. Pieces of one line that the detector split at a wide word space are joined. Any RGB
frame gives a reading in bounded time; an OCR failure is a `MeasureError`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from frame_contract.output import MAX_TEXT_LINES

from ..errors import MeasureError
from .image import rgb_array

log = logging.getLogger(__name__)

# regions read per frame; more are dropped, smallest first, and `truncated` is set
MAX_LINES = MAX_TEXT_LINES
MIN_CONFIDENCE = 0.5  # recognition score below which a line is dropped (rapidocr's own default)
# NOTE: rapidocr's detector scales a frame's *short* side up to 736 px, so a long thin frame
# grows without bound (a 30x2000 strip would become 736x49,000). Padding the short side until
# the frame is at most this elongated keeps the detector's input near a 1080p frame's size.
MAX_ASPECT = 4.0
MAX_SIDE = 2000  # the long side the OCR works at (rapidocr's own limit); larger frames are reduced
MIN_SIDE = 8  # a frame thinner than this after reduction holds no readable line
_PAD_GREY = 127  # mid grey: no edge for the detector to mistake for a stroke
JOIN_GAP = 0.8  # detected pieces of one band closer than this many line heights are one line
JOIN_HEIGHT_RATIO = 1.4  # ... when their heights differ by less than this factor

_engine = None
_engine_lock = threading.Lock()


@dataclass(frozen=True)
class TextReading:
    """The lines read on one frame, and whether `MAX_LINES` cut some off."""

    lines: list[dict]
    truncated: bool = False


def load(threads: int | None = None) -> float:
    """Build the OCR engine now, if no call has yet; returns the seconds it took (0.0 if built).

    The cost (import, model load, a first run that lets onnxruntime settle its buffers) is paid
    here rather than by the first frame, and logged. `threads` is how many CPU threads one
    frame's OCR may use (onnxruntime's intra-op threads; all cores when None); the first load
    decides it for the process. `MeasureError` when the engine cannot load.
    """
    global _engine
    if _engine is not None:
        return 0.0
    with _engine_lock:
        if _engine is not None:
            return 0.0
        started = time.perf_counter()
        try:
            engine = _build_engine(threads)
            _run(engine, _warm_up_frame())
        except Exception as err:  # a missing package or a broken model file, said in one line
            raise MeasureError(f"the OCR engine cannot load: {type(err).__name__}: {err}") from err
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
    """`lines` top to bottom by band, left to right within a band (`_bands`)."""
    return [line for band in _bands(lines, lambda line: line["box"]) for line in band]


def join_pieces(boxes: list[list[float]]) -> list[list[float]]:
    """Boxes `[x0, y0, x1, y1]` with the pieces of each line joined into one box, in reading order.

    NOTE: the detector splits a line of large letters where a word space is wide, and its
    pieces may overlap (a letter read twice). Two neighbours on one band, of similar height
    (`JOIN_HEIGHT_RATIO`), less than `JOIN_GAP` of their height apart, are one line, and the
    recogniser reads their joined box once.
    """
    joined: list[list[float]] = []
    for band in _bands(boxes, lambda box: box):
        start = len(joined)
        for box in band:
            if len(joined) > start and _one_line(joined[-1], box):
                last = joined[-1]
                joined[-1] = [
                    min(last[0], box[0]),
                    min(last[1], box[1]),
                    max(last[2], box[2]),
                    max(last[3], box[3]),
                ]
            else:
                joined.append(list(box))
    return joined


def _bands(items: list, box_of) -> list[list]:
    """`items` in bands, top to bottom, each left to right: an item joins a band when its
    vertical centre lies inside the band's first item, so a tall title beside a small caption
    does not swallow the next row."""
    bands: list[list] = []
    for item in sorted(items, key=lambda item: box_of(item)[1] + box_of(item)[3]):
        centre = (box_of(item)[1] + box_of(item)[3]) / 2
        if bands and box_of(bands[-1][0])[1] <= centre <= box_of(bands[-1][0])[3]:
            bands[-1].append(item)
        else:
            bands.append([item])
    return [sorted(band, key=lambda item: box_of(item)[0]) for band in bands]


def _one_line(left: list[float], right: list[float]) -> bool:
    heights = (left[3] - left[1], right[3] - right[1])
    if min(heights) <= 0 or max(heights) / min(heights) > JOIN_HEIGHT_RATIO:
        return False
    return right[0] - left[2] < JOIN_GAP * sum(heights) / 2


def _build_engine(threads: int | None):
    from rapidocr import RapidOCR

    # NOTE: rapidocr logs through its own coloured stderr handler; hand its records to the
    # worker's logging instead, and only from warnings up (it logs every model path at INFO).
    ocr_log = logging.getLogger("RapidOCR")
    params = {
        "Global.log_level": "warning",
        # the frame's aspect is bounded here already (MAX_ASPECT), and boxes stay in its pixels
        "Global.use_vertical_padding": False,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads or -1,
    }
    engine = RapidOCR(params=params)
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
    """Detect, join the pieces of each line, keep the MAX_LINES tallest lines, recognise them:
    (quads in `bgr`'s pixels, texts, scores, truncated).

    NOTE: rapidocr's own `__call__` recognises every region the detector finds (up to 1,000),
    so a frame full of small print would take a minute, and reads a split line in pieces; its
    pipeline steps are called here instead, with the joining and the cap between them. The
    angle classifier is skipped: overlays are upright.
    """
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.process_img import get_rotate_crop_image, map_boxes_to_original

    height, width = bgr.shape[:2]
    prepared, record = engine.preprocess_img(bgr)
    try:
        _, detected = engine.detect_and_crop(prepared, record)
    except RapidOCRError:  # it raises this when the detector finds no text at all
        return [], [], [], False
    boxes = [[*quad.min(axis=0), *quad.max(axis=0)] for quad in np.asarray(detected.boxes, dtype=np.float32)]
    lines = join_pieces(boxes)
    kept = sorted(sorted(range(len(lines)), key=lambda i: lines[i][1] - lines[i][3])[:MAX_LINES])
    quads = np.array([_quad(lines[i]) for i in kept], dtype=np.float32)
    recognised = engine.recognize_txt([get_rotate_crop_image(prepared, quad.copy()) for quad in quads])
    quads = map_boxes_to_original(quads, record, height, width)
    scores = [round(float(s), 3) for s in recognised.scores]
    return list(quads), list(recognised.txts), scores, len(lines) > MAX_LINES


def _quad(box: list[float]) -> list[list[float]]:
    x0, y0, x1, y1 = box
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _fraction_box(quad: np.ndarray, offset: tuple[int, int, float], width: int, height: int) -> list[float]:
    """A detected quad (in the bounded frame's pixels) as [x0, y0, x1, y1] fractions of the frame."""
    left, top, scale = offset
    xs = (quad[:, 0] - left) / scale / width
    ys = (quad[:, 1] - top) / scale / height
    corners = (xs.min(), ys.min(), xs.max(), ys.max())
    return [round(min(1.0, max(0.0, float(v))), 4) for v in corners]
