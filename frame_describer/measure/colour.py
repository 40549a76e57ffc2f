"""The colour palette of a frame: its main colours, found in CIELAB, and the share of each.

A fixed-seed subsample of the pixels is converted to CIELAB (OpenCV) and clustered by
scikit-learn's k-means (k-means++ seeding, one run) into at most `MAX_COLOURS` clusters.
Clusters whose centres lie within `MERGE_DISTANCE` (CIE76 delta E) of each other are one
colour to a viewer and are merged, and a cluster under `MIN_SHARE` of the frame (antialiased
edges between two blocks, mostly) joins its nearest neighbour; so a frame painted in three
colours reports three. Each colour is the mean RGB of its pixels; shares sum to 1 and the
list is ordered by share, largest first.
"""

from __future__ import annotations

import warnings

import numpy as np

from frame_contract.output import MAX_PALETTE_COLOURS

from .image import rgb_array

MAX_COLOURS = MAX_PALETTE_COLOURS
SAMPLE_PIXELS = 20_000  # the palette of a 1080p frame from 1 % of its pixels: shares within ~0.01
SEED = 0
MERGE_DISTANCE = 12.0  # CIE76 delta E; about 2.3 is the smallest difference a viewer notices
MIN_SHARE = 0.01


def palette(image) -> dict:
    """`{"palette": [{"hex": "#rrggbb", "share": float}, ...]}` of `image` (PIL or RGB array)."""
    from sklearn.cluster import KMeans

    pixels = rgb_array(image).reshape(-1, 3)
    if len(pixels) > SAMPLE_PIXELS:
        rng = np.random.default_rng(SEED)
        pixels = pixels[rng.choice(len(pixels), SAMPLE_PIXELS, replace=False)]
    lab = _lab(pixels)
    distinct = len(np.unique(pixels.astype(np.int32) @ np.array([65536, 256, 1], dtype=np.int32)))
    clusters = min(MAX_COLOURS, distinct)
    if clusters == 1:
        labels = np.zeros(len(pixels), dtype=np.int64)
    else:
        with warnings.catch_warnings():  # identical points in a cluster are not a problem here
            warnings.simplefilter("ignore")
            labels = KMeans(n_clusters=clusters, n_init=1, random_state=SEED).fit_predict(lab)
    groups = _merge([np.flatnonzero(labels == c) for c in range(clusters)], lab)
    colours = sorted(
        ((len(members) / len(pixels), pixels[members].mean(axis=0)) for members in groups),
        key=lambda colour: -colour[0],
    )
    shares = [round(share, 4) for share, _ in colours]
    shares[0] = round(1.0 - sum(shares[1:]), 4)  # rounding must not make the total drift off 1
    entries = [{"hex": _hex(rgb), "share": share} for share, (_, rgb) in zip(shares, colours, strict=True)]
    return {"palette": entries}


def _lab(pixels: np.ndarray) -> np.ndarray:
    """RGB pixels in CIELAB units (L 0..100, a and b about -128..127) from OpenCV's 8-bit scaling."""
    import cv2

    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    return lab * np.float32([100 / 255, 1, 1]) - np.float32([0, 128, 128])


def _merge(groups: list[np.ndarray], lab: np.ndarray) -> list[np.ndarray]:
    """Join the closest pair of groups while it is closer than MERGE_DISTANCE, or while some
    group is under MIN_SHARE (joined to its nearest group)."""
    groups = [g for g in groups if len(g)]
    total = sum(len(g) for g in groups)
    while len(groups) > 1:
        centres = np.array([lab[g].mean(axis=0) for g in groups])
        distances = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
        np.fill_diagonal(distances, np.inf)
        smallest = min(range(len(groups)), key=lambda i: len(groups[i]))
        if len(groups[smallest]) / total < MIN_SHARE:
            a, b = smallest, int(distances[smallest].argmin())
        else:
            a, b = np.unravel_index(distances.argmin(), distances.shape)
            if distances[a, b] >= MERGE_DISTANCE:
                break
        joined = np.concatenate([groups[a], groups[b]])
        groups = [g for i, g in enumerate(groups) if i not in (a, b)] + [joined]
    return groups


def _hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(round(float(v))):02x}" for v in rgb)
