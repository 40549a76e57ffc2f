"""The one pixel format every measurement reads: an H x W x 3 array of 8-bit RGB."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..errors import MeasureError


def rgb_array(image: Image.Image | np.ndarray) -> np.ndarray:
    """`image` (a PIL image in any mode, or an H x W x 3 uint8 RGB array) as a uint8 RGB array;
    `MeasureError` when it has no pixels or is not an image."""
    if isinstance(image, Image.Image):
        array = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    elif isinstance(image, np.ndarray):
        array = image
    else:
        raise MeasureError(f"a frame to measure must be an image or an array, not {type(image).__name__}")
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise MeasureError(f"a frame to measure must be H x W x 3 uint8 RGB, not {array.shape} {array.dtype}")
    if array.size == 0:
        raise MeasureError("a frame to measure has no pixels")
    return array
