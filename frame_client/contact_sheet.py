"""`--contact-sheet`: the shot list as one self-contained HTML page an editor looks at first.

A card per shot, in order: its keyframe as a thumbnail (a JPEG inline as a `data:` URI, so the
one file travels alone), the time range, the camera motion, the description (or the reason
there is none) and, when asked for, the fields. Everything a caller sent is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from .results import FrameResult, Shot

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 320
THUMBNAIL_QUALITY = 80
_UNREADABLE = (OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError)

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; background: #f4f4f5; color: #18181b; }
h1 { font-size: 18px; margin: 0 0 16px; word-break: break-all; }
.shots { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
.shot { background: #fff; border-radius: 6px; overflow: hidden; box-shadow: 0 1px 3px #0002; }
.shot img { display: block; width: 100%; height: auto; background: #27272a; }
.shot .none { display: flex; align-items: center; justify-content: center; aspect-ratio: 16 / 9;
  background: #27272a; color: #a1a1aa; }
.meta { display: flex; justify-content: space-between; gap: 8px; padding: 8px 12px 0; font-weight: 600; }
.motion { color: #1d4ed8; }
.text { padding: 4px 12px 12px; margin: 0; }
.error { color: #b91c1c; }
pre { margin: 0 12px 12px; padding: 8px; background: #f4f4f5; white-space: pre-wrap; font-size: 12px; }
"""


def contact_sheet(
    shots: Sequence[Shot],
    results: Sequence[FrameResult],
    frames: Sequence[object],
    title: str,
    with_fields: bool = False,
) -> str:
    """The page: `frames[shot.keyframe]` (a path, bytes or PIL image) is each shot's thumbnail."""
    cards = "\n".join(
        _card(number, shot, results[shot.keyframe], frames[shot.keyframe], with_fields)
        for number, shot in enumerate(shots, start=1)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Shots: {html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<h1>{len(shots)} shots · {html.escape(title)}</h1>\n<div class="shots">\n{cards}\n</div>\n'
        "</body>\n</html>\n"
    )


def write_contact_sheet(
    path: str | Path,
    shots: Sequence[Shot],
    results: Sequence[FrameResult],
    frames: Sequence[object],
    title: str,
    with_fields: bool = False,
) -> None:
    Path(path).write_text(contact_sheet(shots, results, frames, title, with_fields), encoding="utf-8")


def timecode(seconds: float) -> str:
    """`HH:MM:SS.mmm`."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def _card(number: int, shot: Shot, result: FrameResult, frame: object, with_fields: bool) -> str:
    thumbnail = _thumbnail(frame)
    picture = (
        f'<img src="{thumbnail}" alt="shot {number}, frame {shot.keyframe}">'
        if thumbnail
        else '<div class="none">no thumbnail</div>'
    )
    times = f"{timecode(shot.start_s)} – {timecode(shot.end_s)}"
    if result.ok:
        text = f'<p class="text">{html.escape(result.description)}</p>'
    else:
        text = f'<p class="text error">not described: {html.escape(result.error or "")}</p>'
    fields = ""
    if with_fields and result.fields is not None:
        fields = f"<pre>{html.escape(json.dumps(result.fields, indent=2, ensure_ascii=False))}</pre>"
    return (
        f'<section class="shot" id="shot-{number}">{picture}\n'
        f'<div class="meta"><span>{number}. {times}</span>'
        f'<span class="motion">{html.escape(shot.camera.motion.replace("_", " "))}</span></div>\n'
        f"{text}{fields}</section>"
    )


def _thumbnail(frame: object) -> str | None:
    """`frame` as a small JPEG `data:` URI, or None when it cannot be read here (a URL, a bad file)."""
    try:
        if isinstance(frame, Image.Image):
            image = frame
        elif isinstance(frame, (bytes, bytearray)):
            image = Image.open(io.BytesIO(bytes(frame)))
        elif isinstance(frame, (str, Path)) and Path(frame).is_file():
            image = Image.open(frame)
        else:
            return None
        image = image.convert("RGB")
        image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    except _UNREADABLE as err:
        log.info("no thumbnail for a frame: %s", err)
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
