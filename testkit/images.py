"""Small real images in every format a frame store may hand over, made in memory."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw

FRAME_SIZE = (854, 480)


def frame(
    color: tuple[int, int, int] = (20, 24, 46), size: tuple[int, int] = FRAME_SIZE, label: str = ""
) -> Image.Image:
    """A 16:9 video-like frame: a flat background with a light title bar."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle([w // 4, h * 2 // 5, w * 3 // 4, h * 3 // 5], fill=(230, 230, 240))
    if label:
        draw.text((w // 2 - 20, h // 2 - 5), label, fill=(10, 10, 10))
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(
    color: tuple[int, int, int] = (20, 24, 46), size: tuple[int, int] = FRAME_SIZE, label: str = ""
) -> bytes:
    return encode(frame(color, size, label), "JPEG", quality=85)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def data_uri(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64,{b64(data)}"


def distinct_jpegs(count: int) -> list[bytes]:
    """`count` JPEG frames that differ in colour and label, so their descriptions may differ."""
    return [jpeg(((i * 53) % 256, (i * 97) % 256, (i * 31) % 256), label=f"F{i}") for i in range(count)]
