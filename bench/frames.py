"""Real-looking video frames as the caller sends them: 854x480 JPEG stills, all different.

Each frame is a graded background with shapes, a soft glow, a text overlay and sensor noise,
saved as a high-quality JPEG (as ffmpeg `-q:v 2` does), so decoding and preprocessing cost what
they cost for real frames. With random weights the content does not matter, only the size.
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

FRAME_SIZE = (854, 480)  # 480p at 16:9, as ffmpeg scales it (the width rounded to even)


def synthetic_frames(count: int, size: tuple[int, int] = FRAME_SIZE, seed: int = 0) -> list[bytes]:
    """`count` distinct JPEG frames of `size` (width, height)."""
    rng = random.Random(seed)
    return [_jpeg(_frame(size, rng)) for _ in range(count)]


def _frame(size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    top = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    bottom = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    pixels = np.broadcast_to(top + (bottom - top) * ramp, (height, width, 3))
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 6, (height, width, 3))
    image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 6)):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randint(20, width // 3), rng.randint(20, height // 3)
        color = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=color)
    image = image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.5, 2.0)))
    draw = ImageDraw.Draw(image)
    caption = rng.choice(["BREAKING NEWS", "Chapter 2", "SUBSCRIBE", "The making of", "50% OFF"])
    draw.text((width // 10, int(height * 0.8)), caption, fill=(255, 255, 255))
    return image


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()
