"""Synthetic video clips with known shots and known camera moves, for testing and measuring scenes.

A clip is a list of shots, each a picture that changes in its own way over time: still with a
small moving mark, a slow pan across a wide picture, heavy sensor noise, a fade out through
black and in again. Rendered at 1 fps they give the frames a caller extracts (written as a
JPEG folder); rendered at a higher rate and encoded with PyAV they give a video file. The hard
cuts are known exactly: the first frame (second) of every shot after the first, except where
the shot begins with a fade, whose frames are listed apart.

The camera shots (`CAMERA_KINDS`) film a textured picture through a moving window, drawn with
subpixel precision at the size asked for, with sensor noise on every frame: static, pans, tilts,
zooms, handheld jitter that ends where it began, and a subject crossing a static background.
Each knows the `motion` the client should report (`Shot.motion`).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

FRAME_SIZE = (854, 480)  # what the caller's ffmpeg makes of 480p video
VIDEO_SIZE = (426, 240)
VIDEO_FPS = 4
JPEG_QUALITY = 92  # about ffmpeg's -q:v 2

STILL, PAN, NOISE = "still", "pan", "noise"
# Camera moves, named as the client labels them; SUBJECT is a static camera on a moving subject.
STATIC, PAN_LEFT, PAN_RIGHT, TILT_UP, TILT_DOWN = "static", "pan_left", "pan_right", "tilt_up", "tilt_down"
ZOOM_IN, ZOOM_OUT, HANDHELD, SUBJECT = "zoom_in", "zoom_out", "handheld", "subject"
CAMERA_KINDS = (STATIC, PAN_LEFT, PAN_RIGHT, TILT_UP, TILT_DOWN, ZOOM_IN, ZOOM_OUT, HANDHELD, SUBJECT)
# The moves' speeds: frame widths (or heights) a second, and log scale a second for zooms.
MOVE_RATE = 0.08
ZOOM_RATE = 0.1
SHAKE_WIDTHS = 0.012  # handheld jitter's amplitude
SENSOR_NOISE = 4.0  # grey levels, standard deviation


@dataclass(frozen=True)
class Shot:
    """`seconds` long; `fade_out` / `fade_in` seconds of it go to or come from black."""

    kind: str
    seconds: int
    seed: int
    fade_out: int = 0
    fade_in: int = 0
    speed: float = 1.0  # camera shots: times MOVE_RATE or ZOOM_RATE

    @property
    def motion(self) -> str:
        """The camera motion the client should report for this shot."""
        if self.kind in CAMERA_KINDS:
            return STATIC if self.kind == SUBJECT else self.kind
        return PAN_RIGHT if self.kind == PAN else STATIC  # the old pan crosses its picture rightwards


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
                if shot.kind in CAMERA_KINDS:
                    return _render_camera(shot, t - start, size)
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

    def shot_starts(self) -> list[float]:
        """Seconds at which each shot starts."""
        starts, start = [], 0
        for shot in self.shots:
            starts.append(float(start))
            start += shot.seconds
        return starts

    def write_video(self, path: Path, fps: int = VIDEO_FPS, size: tuple[int, int] = VIDEO_SIZE) -> Path:
        """The clip as an H.264 mp4 at `fps` frames per second."""
        return write_video(path, (self.render(index / fps, size) for index in range(self.seconds * fps)), fps)

    def write_vfr_video(self, path: Path, times: list[float], size: tuple[int, int] = VIDEO_SIZE) -> Path:
        """The clip at the given frame `times` (seconds, rising, any gaps): a variable-frame-rate mp4."""
        return write_video(path, (self.render(t, size) for t in times), fps=1000, times=times)


def write_video(path: Path, images, fps: int, times: list[float] | None = None) -> Path:
    """`images` (PIL, one size) as an H.264 mp4 at `fps`, or at their own `times` (seconds)."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w") as container:
        stream = None
        for index, image in enumerate(images):
            if stream is None:
                stream = container.add_stream("libx264", rate=fps)
                stream.width, stream.height = image.size
                stream.pix_fmt = "yuv420p"
                stream.options = {"preset": "ultrafast"}  # test material: encoding speed over size
                stream.codec_context.time_base = Fraction(1, fps)
            frame = av.VideoFrame.from_image(image)
            if times is not None:
                frame.pts, frame.time_base = round(times[index] * fps), Fraction(1, fps)
            container.mux(stream.encode(frame))
        if stream is not None:
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
# One camera move per shot, each 3 seconds, hard cuts between them.
CAMERA = Clip(
    "camera",
    tuple(
        Shot(kind, 3, seed=40 + i)
        for i, kind in enumerate(
            (STATIC, PAN_RIGHT, TILT_UP, ZOOM_IN, HANDHELD, PAN_LEFT, TILT_DOWN, ZOOM_OUT, SUBJECT)
        )
    ),
)

# Fast moves: one second apart, two frames of one shot differ as much as two shots do.
MOVING = Clip(
    "moving",
    (
        Shot(STATIC, 3, seed=60),
        Shot(PAN_RIGHT, 4, seed=61, speed=5),
        Shot(TILT_UP, 3, seed=62, speed=5),
        Shot(ZOOM_IN, 3, seed=63, speed=4),
        Shot(HANDHELD, 3, seed=64),
    ),
)
# What the tests render videos at: small and quick, at a rate above the camera's 4 a second.
SMALL_SIZE, SMALL_FPS = (160, 90), 10


def _render_camera(shot: Shot, t: float, size: tuple[int, int]) -> Image.Image:
    """The frame at `t` seconds into a camera shot: its picture seen through the moving window."""
    width, height = size
    # Moves are centred on the shot's middle, so the window stays inside the picture.
    middle = (t - shot.seconds / 2) * shot.speed
    x, y, scale = float(width), float(height), 1.0  # the window's centre on the picture, and its zoom
    if shot.kind in (PAN_LEFT, PAN_RIGHT):
        x += (1 if shot.kind == PAN_RIGHT else -1) * MOVE_RATE * width * middle
    elif shot.kind in (TILT_UP, TILT_DOWN):
        y += (-1 if shot.kind == TILT_UP else 1) * MOVE_RATE * height * middle
    elif shot.kind in (ZOOM_IN, ZOOM_OUT):
        scale = float(np.exp((1 if shot.kind == ZOOM_IN else -1) * ZOOM_RATE * middle))
    elif shot.kind == HANDHELD:
        # Whole periods over the shot: it ends where it began, with no net move.
        wobble = [
            np.sin(2 * np.pi * n * t / shot.seconds + phase) - np.sin(phase) for n, phase in ((5, 1), (9, 2))
        ]
        x += SHAKE_WIDTHS * width * (wobble[0] + wobble[1]) / 2
        y += SHAKE_WIDTHS * height * (wobble[1] - wobble[0]) / 2
    window = np.float32([[1 / scale, 0, x - width / (2 * scale)], [0, 1 / scale, y - height / (2 * scale)]])
    frame = cv2.warpAffine(
        _texture(shot.seed, size),
        window,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REFLECT,
    )
    if shot.kind == SUBJECT:  # a textured disc crossing the frame at a quarter of its width a second
        centre = (int(width * (0.2 + 0.25 * t)), int(height * 0.55))
        mask = np.zeros((height, width), np.uint8)
        cv2.circle(mask, centre, int(height * 0.22), 255, -1)
        subject = np.roll(_texture(shot.seed + 1000, size)[:height, :width], int(width * 0.25 * t), axis=1)
        frame[mask > 0] = subject[mask > 0]
    noise = np.random.default_rng([shot.seed, int(round(t * 1000))]).normal(0.0, SENSOR_NOISE, frame.shape)
    return Image.fromarray(np.clip(frame + noise, 0, 255).astype(np.uint8), "RGB")


@functools.lru_cache(maxsize=32)
def _texture(seed: int, size: tuple[int, int]) -> np.ndarray:
    """A picture twice the frame's size each way, RGB: shapes with corners to track, drawn from `seed`."""
    width, height = size
    rng = np.random.default_rng(seed)
    picture = np.zeros((2 * height, 2 * width, 3), np.uint8)
    picture[:] = rng.integers(0, 256, 3)
    for _ in range(160):
        x, y = int(rng.integers(0, 2 * width)), int(rng.integers(0, 2 * height))
        w, h = (max(2, int(rng.uniform(0.02, 0.12) * width)) for _ in range(2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.6:
            cv2.rectangle(picture, (x, y), (x + w, y + h), colour, -1)
        else:
            cv2.ellipse(picture, (x, y), (w, h // 2 + 1), float(rng.uniform(0, 180)), 0, 360, colour, -1)
    return picture


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
