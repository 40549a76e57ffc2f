"""Synthetic video clips with known shots, for testing and measuring scene detection.

A clip is a list of shots, each a picture that changes in its own way over time: still with a
small moving mark, a slow pan across a wide picture, heavy sensor noise, a fade out through
black and in again. Rendered at 1 fps they give the frames a caller extracts (written as a
JPEG folder); rendered at a higher rate and encoded with PyAV they give a video file. The hard
cuts are known exactly: the first frame (second) of every shot after the first, except where
the shot begins with a fade, whose frames are listed apart.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

FRAME_SIZE = (854, 480)  # what the caller's ffmpeg makes of 480p video
VIDEO_SIZE = (426, 240)
VIDEO_FPS = 4
JPEG_QUALITY = 92  # about ffmpeg's -q:v 2

STILL, PAN, NOISE = "still", "pan", "noise"


@dataclass(frozen=True)
class Shot:
    """`seconds` long; `fade_out` / `fade_in` seconds of it go to or come from black."""

    kind: str
    seconds: int
    seed: int
    fade_out: int = 0
    fade_in: int = 0


@dataclass(frozen=True)
class Clip:
    name: str
    shots: tuple[Shot, ...]

    @property
    def seconds(self) -> int:
        return sum(shot.seconds for shot in self.shots)

    def hard_cuts(self) -> list[int]:
        """Frames (at 1 fps) that start a shot straight after another one: the cuts to find."""
        cuts, start = [], 0
        for previous, shot in zip(self.shots, self.shots[1:], strict=False):
            start += previous.seconds
            if not (previous.fade_out or shot.fade_in):
                cuts.append(start)
        return cuts

    def faded_frames(self) -> set[int]:
        """Frames (at 1 fps) darkened by a fade, black ones included."""
        faded, start = set(), 0
        for shot in self.shots:
            faded.update(start + t for t in range(shot.seconds) if _level(shot, t) < 1.0)
            start += shot.seconds
        return faded

    def fade_frames(self) -> set[int]:
        """Faded frames and the first full frame after each fade: where a fade may be cut."""
        faded = self.faded_frames()
        return faded | {frame + 1 for frame in faded if frame + 1 not in faded}

    def render(self, t: float, size: tuple[int, int] = FRAME_SIZE) -> Image.Image:
        """The picture at `t` seconds."""
        start = 0
        for shot in self.shots:
            if t < start + shot.seconds or shot is self.shots[-1]:
                image = _render_shot(shot, t - start)
                return image if image.size == size else image.resize(size, Image.Resampling.BOX)
            start += shot.seconds
        raise AssertionError("unreachable")

    def write_frames(self, folder: Path) -> list[Path]:
        """The clip at 1 fps as `frame_1.jpg`, `frame_2.jpg`... (ffmpeg's numbering)."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for second in range(self.seconds):
            path = folder / f"frame_{second + 1}.jpg"
            self.render(second).save(path, "JPEG", quality=JPEG_QUALITY)
            paths.append(path)
        return paths

    def write_video(self, path: Path, fps: int = VIDEO_FPS, size: tuple[int, int] = VIDEO_SIZE) -> Path:
        """The clip as an H.264 mp4 at `fps` frames per second."""
        import av

        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "ultrafast"}  # test material: encoding speed over size
            for index in range(self.seconds * fps):
                frame = av.VideoFrame.from_image(self.render(index / fps, size))
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        return path


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


# Six hard cuts, two slow pans, a noisy shot and a fade through black between two shots.
MIXED = Clip(
    "mixed",
    (
        Shot(STILL, 6, seed=1),
        Shot(PAN, 10, seed=2),
        Shot(NOISE, 7, seed=3),
        Shot(STILL, 8, seed=4, fade_out=4),
        Shot(STILL, 8, seed=5, fade_in=4),
        Shot(STILL, 4, seed=6),
        Shot(PAN, 5, seed=7),
        Shot(STILL, 4, seed=8),
    ),
)
# Quick cutting: a new shot every 2 to 4 seconds, as in a trailer or an advert.
MONTAGE = Clip(
    "montage",
    tuple(Shot((STILL, PAN, NOISE)[i % 3], 2 + i % 3, seed=20 + i) for i in range(10)),
)
CLIPS = (MIXED, MONTAGE)


def _render_shot(shot: Shot, t: float) -> Image.Image:
    width, height = FRAME_SIZE
    if shot.kind == PAN:
        # A picture twice as wide as the frame, crossed at 4% of the frame's width a second.
        left = int(round(t * 0.04 * width))
        image = _shot_picture(shot).crop((left, 0, left + width, height))
    else:
        image = _shot_picture(shot).copy()
        draw = ImageDraw.Draw(image)
        # A small mark that moves: frames of a still shot are alike, never identical.
        x = int(width * 0.1 + t * 12)
        draw.ellipse([x, height - 60, x + 24, height - 36], fill=(250, 250, 250))
    level = _level(shot, t)
    if shot.kind != NOISE and level == 1.0:
        return image
    pixels = np.asarray(image, dtype=np.float32)
    if shot.kind == NOISE:
        noise_rng = np.random.default_rng([shot.seed, int(round(t * 1000))])
        pixels = pixels + noise_rng.normal(0.0, 18.0, pixels.shape)
    pixels = np.clip(pixels * level, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def _level(shot: Shot, t: float) -> float:
    """Brightness at `t` seconds into `shot`: 1 outside its fades, 0 (black) at their far ends."""
    level = 1.0
    if shot.fade_in and t < shot.fade_in:
        level = t / shot.fade_in
    if shot.fade_out and t >= shot.seconds - shot.fade_out - 1:
        level = min(level, (shot.seconds - 1 - t) / shot.fade_out)
    return max(level, 0.0)


@functools.lru_cache(maxsize=32)
def _shot_picture(shot: Shot) -> Image.Image:
    """The shot's picture, drawn once: twice the frame's width for a pan."""
    width, height = FRAME_SIZE
    return _picture(np.random.default_rng(shot.seed), (width * 2 if shot.kind == PAN else width, height))


def _picture(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A graded background with a dozen coloured shapes and a title bar, all drawn from `rng`."""
    width, height = size
    top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    background = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)
    image = Image.fromarray(np.repeat(background, width, axis=1), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12 * width // FRAME_SIZE[0]):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(30, 200)), int(rng.integers(30, 160))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.rectangle([x, y, x + w, y + h], fill=colour)
        else:
            draw.ellipse([x, y, x + w, y + h], fill=colour)
    bar = int(rng.integers(height // 8, height // 2))
    draw.rectangle([width // 8, bar, width * 7 // 8, bar + height // 10], fill=(235, 235, 240))
    return image
