"""The exposure of a frame, from the histogram of its luma.

Luma is Rec. 709's weighting of the 8-bit, gamma-encoded values (Y' = 0.2126 R' + 0.7152 G' +
0.0722 B'), rounded to 0..255. Every value is a 0-1 number:
- `mean`: the mean luma / 255;
- `highlights_clipped`: the share of pixels with luma >= `CLIPPED_LUMA` (250);
- `shadows_crushed`: the share of pixels with luma <= `CRUSHED_LUMA` (5);
- `contrast`: the spread between the 5th and the 95th luma percentiles / 255, which a few
  extreme pixels cannot move (a flat frame is 0, half black and half white is 1).
"""

from __future__ import annotations

import numpy as np

from .image import rgb_array

REC709 = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
CLIPPED_LUMA = 250
CRUSHED_LUMA = 5
PERCENTILES = (0.05, 0.95)


def exposure(image) -> dict:
    """`{"mean", "highlights_clipped", "shadows_crushed", "contrast"}` of `image`."""
    luma = np.rint(rgb_array(image).reshape(-1, 3) @ REC709).astype(np.int64)
    histogram = np.bincount(luma, minlength=256)
    total = histogram.sum()
    cumulative = np.cumsum(histogram) / total
    low, high = (int(np.searchsorted(cumulative, p)) for p in PERCENTILES)
    return {
        "mean": round(float(histogram @ np.arange(256) / total / 255), 4),
        "highlights_clipped": round(float(histogram[CLIPPED_LUMA:].sum() / total), 4),
        "shadows_crushed": round(float(histogram[: CRUSHED_LUMA + 1].sum() / total), 4),
        "contrast": round((high - low) / 255, 4),
    }
