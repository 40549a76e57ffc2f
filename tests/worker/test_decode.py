"""Every format a frame store hands over becomes correct RGB; everything else fails its frame.

`decode_frame` is called directly on real encoded bytes made here with Pillow (and, where
Pillow cannot write the variant, with a few lines of PNG by hand).
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from frame_describer.decode import decode_frame
from frame_describer.errors import DecodeError
from testkit.images import encode, jpeg

LIMIT = 40_000_000
RED, BLUE, ORANGE = (220, 30, 20), (20, 40, 220), (240, 150, 20)


def decoded(data: bytes, max_pixels: int = LIMIT) -> Image.Image:
    image = decode_frame(data, max_pixels)
    assert image.mode == "RGB"
    return image


def reason(data: bytes, max_pixels: int = LIMIT) -> str:
    with pytest.raises(DecodeError) as failure:
        decode_frame(data, max_pixels)
    return str(failure.value)


def near(pixel, expected, tolerance: int = 10) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def flat(mode: str, color, size=(32, 24)) -> Image.Image:
    return Image.new(mode, size, color)


def png_by_hand(width: int, height: int, bit_depth: int, color_type: int, rows: bytes) -> bytes:
    """A PNG from raw scanlines, for variants Pillow cannot write (16-bit RGB, bogus sizes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- formats that must come out as correct RGB ------------------------------------------


def test_a_plain_jpeg_keeps_its_colour():
    assert near(decoded(encode(flat("RGB", ORANGE), "JPEG")).getpixel((5, 5)), ORANGE)


def test_a_cmyk_jpeg_becomes_rgb():
    cyan_free_red = (0, 255, 255, 0)  # C, M, Y, K: full magenta and yellow make red
    image = decoded(encode(flat("CMYK", cyan_free_red), "JPEG"))
    assert near(image.getpixel((5, 5)), (255, 0, 0))


def test_exif_orientation_is_applied_to_a_jpeg():
    # Stored landscape, left half red; orientation 6 means "rotate 90 degrees clockwise to view",
    # which makes it portrait with the red half on top.
    stored = flat("RGB", BLUE, size=(40, 20))
    stored.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    image = decoded(encode(stored, "JPEG", exif=exif, quality=95))
    assert image.size == (20, 40)
    assert near(image.getpixel((10, 5)), RED, 30)
    assert near(image.getpixel((10, 35)), BLUE, 30)


def test_a_grayscale_png_becomes_gray_rgb():
    assert decoded(encode(flat("L", 90), "PNG")).getpixel((3, 3)) == (90, 90, 90)


def test_a_16_bit_grayscale_png_is_scaled_not_clipped_to_white():
    mid_gray = Image.fromarray(np.full((24, 32), 32768, dtype=np.uint16))
    assert near(decoded(encode(mid_gray, "PNG")).getpixel((3, 3)), (128, 128, 128), 1)


def test_a_16_bit_colour_png_keeps_its_colour():
    pixel = struct.pack(">HHH", 0x8000, 0x4000, 0xFFFF)
    rows = b"".join(b"\x00" + pixel * 4 for _ in range(3))
    image = decoded(png_by_hand(4, 3, 16, 2, rows))
    assert near(image.getpixel((1, 1)), (128, 64, 255), 1)


def test_a_palette_png_is_expanded():
    image = flat("RGB", ORANGE).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    assert near(decoded(encode(image, "PNG")).getpixel((3, 3)), ORANGE, 2)


def test_a_palette_png_with_a_transparent_colour_is_composited_onto_black():
    image = flat("RGB", ORANGE).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent_index = image.getpixel((0, 0))
    assert decoded(encode(image, "PNG", transparency=transparent_index)).getpixel((3, 3)) == (0, 0, 0)


def test_alpha_is_composited_onto_black_in_proportion():
    image = flat("RGBA", (255, 255, 255, 0), size=(3, 1))
    image.putpixel((1, 0), (255, 255, 255, 128))
    image.putpixel((2, 0), (*ORANGE, 255))
    rgb = decoded(encode(image, "PNG"))
    assert rgb.getpixel((0, 0)) == (0, 0, 0)
    assert near(rgb.getpixel((1, 0)), (128, 128, 128), 1)
    assert rgb.getpixel((2, 0)) == ORANGE


def test_a_grayscale_png_with_alpha_is_composited_too():
    assert decoded(encode(flat("LA", (200, 0)), "PNG")).getpixel((3, 3)) == (0, 0, 0)


def test_an_animated_gif_gives_its_first_frame():
    frames = [flat("RGB", RED), flat("RGB", BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert near(decoded(data).getpixel((3, 3)), RED, 12)


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [
        ("WEBP", {"lossless": True}, 0),
        ("WEBP", {"quality": 90}, 12),
        ("BMP", {}, 0),
        ("TIFF", {}, 0),
        ("TIFF", {"compression": "tiff_lzw"}, 0),
        ("PNG", {}, 0),
    ],
)
def test_common_formats_keep_their_colour(fmt, options, tolerance):
    assert near(decoded(encode(flat("RGB", ORANGE), fmt, **options)).getpixel((3, 3)), ORANGE, tolerance)


def test_a_16_bit_tiff_is_scaled_not_clipped_to_white():
    mid_gray = Image.fromarray(np.full((24, 32), 32768, dtype=np.uint16))
    assert near(decoded(encode(mid_gray, "TIFF")).getpixel((3, 3)), (128, 128, 128), 1)


# --- what must fail its frame ------------------------------------------------------------


def test_an_image_over_the_pixel_limit_is_refused():
    assert reason(encode(flat("L", 0, size=(200, 100)), "PNG"), max_pixels=10_000) == (
        "image is 200x100, over the 10000-pixel limit"
    )


def test_the_pixel_limit_is_checked_from_the_header_before_decoding():
    # 50 megapixels declared, three bytes of pixel data: under Pillow's own limit, over ours.
    assert reason(png_by_hand(10_000, 5_000, 8, 0, b"\x00\x00\x00")) == (
        "image is 10000x5000, over the 40000000-pixel limit"
    )


def test_a_decompression_bomb_is_refused():
    assert "pixel limit" in reason(png_by_hand(100_000, 100_000, 8, 0, b"\x00"))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_a_truncated_file_fails_as_broken(fmt):
    data = encode(Image.effect_noise((64, 48), 60).convert("RGB"), fmt)
    assert reason(data[: len(data) // 2]).startswith("broken image")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        b'{"error": "not found"}',
    ],
    ids=["empty", "html", "svg", "pdf", "json"],
)
def test_content_that_is_not_a_raster_image_fails_as_not_an_image(data):
    assert reason(data) == "not an image: cannot identify image file"


def test_an_eps_file_is_refused_rather_than_handed_to_ghostscript():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n0 0 moveto showpage\n%%EOF\n"
    assert reason(eps) == "not an image: cannot identify image file"


def test_a_real_frame_decodes_at_its_size():
    assert decoded(jpeg()).size == (854, 480)
