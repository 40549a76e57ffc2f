"""Frames with text of known content and place, drawn by Pillow over generated backgrounds.

Each `TextFrame` holds the image and, per line, its exact text and the pixel box it was drawn
in, for checking an OCR reading against. Lines come in the four styles of video overlays:
plain, outlined (a dark stroke round light letters), banner (on a solid bar) and shadowed.
Fonts: Pillow's bundled font (`ImageFont.load_default(size=...)`, always there) and, where the
machine has them, DejaVu TTFs (`fonts-dejavu-core`); tests use only the bundled one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

STYLES = ("plain", "outlined", "banner", "shadowed")
BACKGROUNDS = ("gradient", "blobs", "noise", "flat")
LINES = (
    "BREAKING NEWS",
    "Summer Sale 50% Off",
    "Chapter 3 The Return",
    "Live from Paris",
    "Subscribe Now",
    "The Final Countdown",
    "Episode 12",
    "Coming Soon",
    "Welcome Home",
    "Best of 2024",
    "Follow the Light",
    "Night Market",
    "GAME OVER",
    "Morning Run",
    "Fresh Coffee 3 EUR",
    "Open 24 Hours",
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans.ttf")


# How far outside its drawn box (in the drawn line's heights) a read box may reach: the OCR's
# box holds the letters plus a margin that grows with their size.
PLACE_MARGIN = 0.6


@dataclass(frozen=True)
class DrawnLine:
    text: str
    box: tuple[int, int, int, int]  # pixels, x0 y0 x1 y1, including the style's outline or bar
    style: str


@dataclass(frozen=True)
class TextFrame:
    image: Image.Image
    lines: tuple[DrawnLine, ...]

    def fraction_box(self, line: DrawnLine) -> tuple[float, float, float, float]:
        w, h = self.image.size
        x0, y0, x1, y1 = line.box
        return x0 / w, y0 / h, x1 / w, y1 / h

    def holds(self, line: DrawnLine, read_box) -> bool:
        """True when `read_box` (fractions) is `line`'s place: centred inside its drawn box, and
        reaching at most `PLACE_MARGIN` of its height beyond it."""
        x0, y0, x1, y1 = self.fraction_box(line)
        margin_y = (y1 - y0) * PLACE_MARGIN
        margin_x = margin_y * self.image.height / self.image.width
        cx, cy = (read_box[0] + read_box[2]) / 2, (read_box[1] + read_box[3]) / 2
        return (
            x0 - margin_x <= read_box[0]
            and read_box[2] <= x1 + margin_x
            and y0 - margin_y <= read_box[1]
            and read_box[3] <= y1 + margin_y
            and x0 <= cx <= x1
            and y0 <= cy <= y1
        )


def bundled_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def installed_fonts(size: int) -> list[ImageFont.FreeTypeFont]:
    """The bundled font and the DejaVu fonts this machine has, at `size`."""
    present = [DEJAVU / name for name in DEJAVU_FONTS if (DEJAVU / name).exists()]
    return [bundled_font(size), *(ImageFont.truetype(str(path), size) for path in present)]


def background(kind: str, size: tuple[int, int], seed: int) -> Image.Image:
    """A textless background: a two-colour gradient, soft colour blobs, coloured noise or flat."""
    rng = np.random.default_rng(seed)
    w, h = size
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    if kind == "flat":
        return Image.new("RGB", size, tuple(int(v) for v in a))
    if kind == "gradient":
        t = np.linspace(0, 1, w)[None, :, None] * 0.6 + np.linspace(0, 1, h)[:, None, None] * 0.4
        return Image.fromarray((a * (1 - t) + b * t).astype(np.uint8))
    if kind == "noise":
        small = rng.integers(0, 256, (max(1, h // 24), max(1, w // 24), 3), dtype=np.uint8)
        return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
    image = Image.new("RGB", size, tuple(int(v) for v in a))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        cx, cy, r = rng.integers(0, w), rng.integers(0, h), rng.integers(h // 8, h // 2)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return image.filter(ImageFilter.GaussianBlur(radius=h / 20))


def draw_line(
    image: Image.Image, text: str, xy: tuple[int, int], font: ImageFont.FreeTypeFont, style: str
) -> DrawnLine:
    """Draw `text` with its top-left at `xy` in `style`; returns its line with the drawn box."""
    draw = ImageDraw.Draw(image)
    size = font.size
    light, dark = (250, 250, 245), (15, 15, 20)
    if style == "plain":
        box = draw.textbbox(xy, text, font=font)
        draw.text(xy, text, font=font, fill=_contrasting(image, box, light, dark))
    elif style == "outlined":
        stroke = max(2, size // 12)
        box = draw.textbbox(xy, text, font=font, stroke_width=stroke)
        draw.text(xy, text, font=font, fill=light, stroke_width=stroke, stroke_fill=dark)
    elif style == "banner":
        inner = draw.textbbox(xy, text, font=font)
        pad = max(4, size // 3)
        box = (inner[0] - pad, inner[1] - pad, inner[2] + pad, inner[3] + pad)
        draw.rectangle(box, fill=(180, 20, 30))
        draw.text(xy, text, font=font, fill=light)
    elif style == "shadowed":
        shift = max(2, size // 14)
        inner = draw.textbbox(xy, text, font=font)
        draw.text((xy[0] + shift, xy[1] + shift), text, font=font, fill=(0, 0, 0))
        draw.text(xy, text, font=font, fill=light)
        box = (inner[0], inner[1], inner[2] + shift, inner[3] + shift)
    else:
        raise ValueError(f"unknown style {style!r}")
    return DrawnLine(text, tuple(int(v) for v in box), style)


def _contrasting(image: Image.Image, box, light, dark):
    region = np.asarray(image.crop(tuple(int(v) for v in box)).convert("L"))
    return dark if region.size and region.mean() > 128 else light


def text_frame(
    lines: list[tuple[str, str, int, tuple[float, float]]],
    size: tuple[int, int] = (854, 480),
    backdrop: str = "gradient",
    seed: int = 0,
    font_for=bundled_font,
) -> TextFrame:
    """A frame with each `(text, style, font size in px, (x, y) as fractions)` drawn on it."""
    image = background(backdrop, size, seed)
    drawn = []
    for text, style, font_size, (fx, fy) in lines:
        xy = (round(fx * size[0]), round(fy * size[1]))
        drawn.append(draw_line(image, text, xy, font_for(font_size), style))
    return TextFrame(image, tuple(drawn))


def random_text_frames(count: int, size: tuple[int, int], seed: int = 0, fonts=None) -> list[TextFrame]:
    """`count` frames of one to three lines each, every style, size and background in turn;
    `fonts(size)` lists the fonts to draw with (the bundled one when not given)."""
    rng = random.Random(seed)
    frames = []
    w, h = size
    for index in range(count):
        chosen = rng.sample(LINES, rng.randint(1, 3))
        slots = rng.sample(range(3), len(chosen))  # top, middle, bottom thirds: lines never overlap
        image = background(BACKGROUNDS[index % len(BACKGROUNDS)], size, seed * 1000 + index)
        drawn = []
        for text, slot in zip(chosen, slots, strict=True):
            font_size = rng.choice([h // 24, h // 16, h // 10, h // 7])
            font_size = max(14, font_size)
            font = rng.choice((fonts or (lambda s: [bundled_font(s)]))(font_size))
            style = STYLES[(index + slot) % len(STYLES)]
            width = ImageDraw.Draw(image).textlength(text, font=font)
            x = rng.randint(w // 40, max(w // 40, int(w - width - w // 40)))
            y = int(h * (slot / 3 + rng.uniform(0.04, 0.33 - font_size * 1.6 / h)))
            drawn.append(draw_line(image, text, (x, y), font, style))
        frames.append(TextFrame(image, tuple(drawn)))
    return frames
