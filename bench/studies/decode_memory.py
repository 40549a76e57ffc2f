"""`python -m bench.studies.decode_memory`: peak memory that decoding one large frame adds, per image mode.

Each frame is decoded by `frame_describer.decode.decode_frame` in a fresh Python process, which
reports its peak resident memory (`ru_maxrss`) less its resident memory just before decoding,
so everything Pillow and numpy allocate counts. Prints one line per mode, with the frame's
final 8-bit RGB size for comparison. Used by `tests/worker/test_decode_memory.py`.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

MODES = ("rgb-jpeg", "cmyk-jpeg", "gray16-png", "float-tiff", "rgba-png", "palette-png", "la-png")
_REPO = Path(__file__).resolve().parents[2]
# NOTE: VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent, whose own peak
# (it made the frames) would then hide the child's.
_PROBE = """
import sys
from pathlib import Path
from frame_describer.decode import decode_frame
def status(field):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field))
    return int(line.split()[1]) * 1024
data = Path(sys.argv[1]).read_bytes()
before = status("VmRSS:")
image = decode_frame(data, 10**9)
print(max(0, status("VmHWM:") - before), image.size[0], image.size[1])
"""


def make_frame(mode: str, width: int, height: int) -> bytes:
    """An encoded frame of `mode` with smooth gradients (quick to encode, realistic to decode)."""
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :] * np.ones((height, 1), np.float32)
    column = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    gray8 = (ramp * 255).astype(np.uint8)
    rgb = Image.fromarray(np.stack([gray8, (column * 255).astype(np.uint8), 255 - gray8], axis=-1))
    out = io.BytesIO()
    if mode == "rgb-jpeg":
        rgb.save(out, "JPEG", quality=90)
    elif mode == "cmyk-jpeg":
        rgb.convert("CMYK").save(out, "JPEG", quality=90)
    elif mode == "gray16-png":
        Image.fromarray((ramp * 65535).astype(np.uint16)).save(out, "PNG", compress_level=1)
    elif mode == "float-tiff":
        Image.fromarray(ramp).save(out, "TIFF", compression="tiff_deflate")
    elif mode == "rgba-png":
        rgba = rgb.copy()
        rgba.putalpha(Image.fromarray((column * 255).astype(np.uint8)))
        rgba.save(out, "PNG", compress_level=1)
    elif mode == "palette-png":
        rgb.quantize(16).save(out, "PNG", transparency=0, compress_level=1)
    elif mode == "la-png":
        Image.merge("LA", (Image.fromarray(gray8), Image.fromarray((column * 255).astype(np.uint8)))).save(
            out, "PNG", compress_level=1
        )
    else:
        raise ValueError(mode)
    return out.getvalue()


def peak_added_bytes(data: bytes) -> int:
    """Peak memory decoding `data` added, measured in a fresh process."""
    with tempfile.NamedTemporaryFile(suffix=".img") as file:
        file.write(data)
        file.flush()
        result = subprocess.run(
            [sys.executable, "-c", _PROBE, file.name], cwd=_REPO, capture_output=True, text=True, check=True
        )
    return int(result.stdout.split()[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.studies.decode_memory", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--size", default="6320x6320", help="WIDTHxHEIGHT (default 6320x6320, 40 M pixels)")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    rgb_mb = 3 * width * height / 1e6
    print(f"{width}x{height}: final 8-bit RGB {rgb_mb:.0f} MB")
    print(f"{'mode':<12} {'file MB':>8} {'peak added MB':>14} {'x RGB':>6}")
    for mode in MODES:
        data = make_frame(mode, width, height)
        added = peak_added_bytes(data) / 1e6
        print(f"{mode:<12} {len(data) / 1e6:>8.2f} {added:>14.0f} {added / rgb_mb:>6.2f}")


if __name__ == "__main__":
    main()
