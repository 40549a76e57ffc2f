"""Decode a frame's bytes into a correct RGB image, judged by the bytes alone.

Only the raster formats a frame store hands over are opened, whatever the bytes claim to be,
so SVG, HTML error pages, EPS (which Pillow would hand to Ghostscript) and the like fail. The
pixel limit is checked from the header, before any pixel is decoded. Decoding is forced here
(`img.load()`), so a truncated or hostile file fails as this frame's `DecodeError` and never
later inside a batch. Every accepted image becomes plain 8-bit RGB: EXIF orientation applied,
CMYK converted, 16-bit scaled down, palettes expanded, transparency composited onto a black
background, first frame of animations.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from frame_contract import codes

from .errors import DecodeError

# Text overlays are usually light on dark footage, so transparent pixels become black,
# as they would over an empty video track.
ALPHA_BACKGROUND = (0, 0, 0)
# Pillow format ids; JPEG covers MPO (camera JPEGs with several images) too.
RASTER_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_HIGH_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def decode_frame(data: bytes, max_pixels: int) -> Image.Image:
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
        image.load()
        return _to_rgb(ImageOps.exif_transpose(image))
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


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _HIGH_DEPTH_MODES:
        image = _to_8bit_gray(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, ALPHA_BACKGROUND + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _to_8bit_gray(image: Image.Image) -> Image.Image:
    # Pillow's own I/I;16 -> L conversion clips at 255 instead of scaling, which turns a
    # 16-bit frame white.
    values = np.asarray(image, dtype=np.float64)
    top = 1.0 if image.mode == "F" and values.max(initial=0) <= 1.0 else 65535.0
    scaled = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(scaled)  # a 2-D uint8 array is mode L
