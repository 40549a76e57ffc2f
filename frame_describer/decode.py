"""Decode a frame's bytes into a correct RGB image, judged by the bytes alone, in bounded memory.

Only the raster formats a frame store hands over are opened, whatever the bytes claim to be,
so SVG, HTML error pages, EPS (which Pillow would hand to Ghostscript) and the like fail. The
pixel limit is checked from the header, before any pixel is decoded. Decoding is forced here,
so a truncated or hostile file fails as this frame's `DecodeError` and never later inside a
batch. Every accepted image becomes plain 8-bit RGB: EXIF orientation applied, CMYK converted,
16-bit and float scaled down, palettes expanded, transparency composited onto a black
background, first frame of animations.

Shapes: every supported processor must take what comes out, whatever its shape. A side is
never reduced below one pixel (a 100000x1 strip stays a strip), and a frame longer than
`MAX_ASPECT_RATIO` times its width (or the other way round) is padded with black to that
ratio: Qwen's processors refuse a ratio of 200 and more.

Memory: a frame larger than `MAX_DECODED_SIDE` is reduced while it is decoded (a JPEG by its
decoder's draft mode, anything else by box filtering right after its native pixels), before any
mode conversion, and conversions run strip by strip into the final image. So decoding adds at
most the frame's native pixels plus its final RGB: about twice its 8-bit RGB size whatever the
mode, and much less for a large JPEG. `DecodeBudget` bounds how many bytes all frames being
decoded at once may hold.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image, UnidentifiedImageError

from frame_contract import codes

from .errors import DecodeError

# Pillow format ids; JPEG covers MPO (camera JPEGs with several images) too.
RASTER_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
# More than any supported model looks at (LLaVA-NeXT's largest grid cell arrangement is 1344 px
# long), so reducing a larger frame costs nothing the model sees, and it bounds every later step.
MAX_DECODED_SIDE = 2048
_STRIP_ROWS = 32
# Qwen2.5-VL's and Qwen3-VL's processors refuse 200:1 and beyond; the other families take any.
MAX_ASPECT_RATIO = 100
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2,
                    "I;16N": 2, "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3}  # fmt: skip
_HIGH_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_ALPHA_MODES = frozenset({"RGBA", "LA", "La", "RGBa", "PA"})
# EXIF orientation -> the transpose that shows the image upright (as ImageOps.exif_transpose).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class DecodeBudget:
    """Bytes that the frames being decoded at once may hold together; a frame waits for its share.

    A frame larger than the whole budget runs alone rather than never.
    """

    def __init__(self, total_bytes: int):
        self.total = total_bytes
        self.in_use = 0
        self._cond = threading.Condition()

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        nbytes = min(nbytes, self.total)
        with self._cond:
            self._cond.wait_for(lambda: self.in_use + nbytes <= self.total)
            self.in_use += nbytes
        try:
            yield
        finally:
            with self._cond:
                self.in_use -= nbytes
                self._cond.notify_all()


def decode_frame(data: bytes, max_pixels: int, budget: DecodeBudget | None = None) -> Image.Image:
    """Return `data` as a decoded RGB image, or raise `DecodeError` with a short reason."""
    # NOTE: no `warnings.catch_warnings()` to turn Pillow's DecompressionBombWarning into an
    # error: it swaps process-wide state under concurrent frame threads, and the limit below
    # already refuses those images unless MAX_IMAGE_PIXELS is set above Pillow's own.
    try:
        image = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
        width, height = image.size
        if width * height > max_pixels:
            raise DecodeError(
                f"image is {width}x{height}, over the {max_pixels}-pixel limit", codes.TOO_MANY_PIXELS
            )
        image.seek(0)
        factor = _reduction(image.size)
        if image.format == "JPEG" and factor > 1:
            # The decoder skips what it would throw away (it scales by 1/2, 1/4 or 1/8).
            image.draft(None, (math.ceil(width / factor), math.ceil(height / factor)))
        with budget.reserve(decoding_cost(image, factor)) if budget else _nothing():
            return _decode(image)
    except DecodeError:
        raise
    except Image.DecompressionBombError:  # over twice Pillow's own limit, seen in the header
        raise DecodeError(
            "image is over the pixel limit (decompression bomb)", codes.TOO_MANY_PIXELS
        ) from None
    except UnidentifiedImageError:
        raise DecodeError("not an image: cannot identify image file", codes.NOT_AN_IMAGE) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as err:
        raise DecodeError(f"broken image: {err}", codes.BROKEN_IMAGE) from None


def decoding_cost(image: Image.Image, factor: int) -> int:
    """Bytes decoding `image` holds at its peak: its native pixels (after a JPEG's draft) and,
    reduced by `factor`, its final RGB."""
    width, height = image.size
    native = width * height * _BYTES_PER_PIXEL.get(image.mode, 4)
    return native + 3 * math.ceil(width / factor) * math.ceil(height / factor)


def _decode(image: Image.Image) -> Image.Image:
    orientation = image.getexif().get(0x0112)
    image.load()
    rgb = _to_rgb(image, _reduction(image.size))
    rgb = rgb.transpose(_ORIENTATION[orientation]) if orientation in _ORIENTATION else rgb
    return _within_aspect_ratio(rgb)


def _reduction(size: tuple[int, int]) -> int:
    """The whole factor that brings the longest side within `MAX_DECODED_SIDE` (1: none)."""
    return max(1, math.ceil(max(size) / MAX_DECODED_SIDE))


def _to_rgb(image: Image.Image, factor: int) -> Image.Image:
    """`image` as RGB, `factor` times smaller, built strip by strip so no full-size copy exists.

    A side shorter than `factor` is reduced by its own length instead, to one pixel."""
    if image.mode == "RGB" and factor == 1:
        return image
    across, down = min(factor, image.width), min(factor, image.height)
    width, height = (image.width // across) * across, (image.height // down) * down
    rgb = Image.new("RGB", (width // across, height // down))
    rows = down * max(1, _STRIP_ROWS // down)
    for top in range(0, height, rows):
        strip = _strip_to_rgb(image.crop((0, top, width, min(height, top + rows))))
        # Box-filtering after the mode conversion averages composited, 8-bit colour.
        rgb.paste(strip.reduce((across, down)) if factor > 1 else strip, (0, top // down))
    return rgb


def _within_aspect_ratio(image: Image.Image) -> Image.Image:
    """`image`, centred on black to at most `MAX_ASPECT_RATIO`:1 when it is a longer strip."""
    width, height = image.size
    if max(width, height) <= MAX_ASPECT_RATIO * min(width, height):
        return image
    size = (
        (width, math.ceil(width / MAX_ASPECT_RATIO))
        if width > height
        else (math.ceil(height / MAX_ASPECT_RATIO), height)
    )
    padded = Image.new("RGB", size)
    padded.paste(image, ((size[0] - width) // 2, (size[1] - height) // 2))
    return padded


def _strip_to_rgb(strip: Image.Image) -> Image.Image:
    if strip.mode in _HIGH_DEPTH_MODES:
        return _to_8bit_gray(strip).convert("RGB")
    if strip.mode == "P":
        strip = strip.convert("RGBA" if "transparency" in strip.info else "RGB")
    if strip.mode in _ALPHA_MODES:
        return _onto_black(strip.convert("RGBA"))
    return strip.convert("RGB")


def _onto_black(rgba: Image.Image) -> Image.Image:
    # Text overlays are usually light on dark footage, so transparent pixels become black, as
    # they would over an empty video track; compositing onto black is scaling by alpha.
    pixels = np.asarray(rgba).astype(np.uint16)
    rgb = (pixels[..., :3] * pixels[..., 3:] + 127) // 255
    return Image.fromarray(rgb.astype(np.uint8))


def _to_8bit_gray(image: Image.Image) -> Image.Image:
    # Pillow's own I/I;16 -> L conversion clips at 255 instead of scaling, which turns a
    # 16-bit frame white.
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float32)
        top = 1.0 if values.max(initial=0) <= 1.0 else 65535.0
        scaled = np.clip(values * np.float32(255.0 / top) + np.float32(0.5), 0, 255).astype(np.uint8)
    else:
        values = np.asarray(image).astype(np.int64)
        scaled = np.clip((values * 255 + 32767) // 65535, 0, 255).astype(np.uint8)
    return Image.fromarray(scaled)  # a 2-D uint8 array is mode L


@contextmanager
def _nothing() -> Iterator[None]:
    yield
