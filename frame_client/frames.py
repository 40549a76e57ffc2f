"""Turn what the caller passes (paths, bytes, PIL images, http(s) URLs) into frames to send.

Each frame gets a key that identifies its content: the SHA-256 of its bytes for a local frame,
the URL itself for a URL. Frames with the same key are described once. A local file is hashed
here and read again only when its job is built, so thousands of frames do not sit in memory.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

FrameInput = str | os.PathLike | bytes | bytearray | memoryview | Image.Image

BASE64 = "base64"
URL = "url"

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_HASH_CHUNK = 1 << 20


class FrameLoadError(Exception):
    """A frame cannot be read on this side; its message is the frame's reason."""


@dataclass(frozen=True)
class Frame:
    """One unique frame: a URL passed through, or local bytes sent as base64."""

    key: str
    kind: str  # BASE64 or URL
    payload_bytes: int  # what the frame adds to a job's JSON body
    url: str | None = None
    path: Path | None = None
    data: bytes | None = None

    def payload_entry(self) -> str:
        """The frame as it goes into the job: the URL, or its bytes as bare base64."""
        if self.kind == URL:
            return self.url
        return base64.b64encode(self._read()).decode("ascii")

    def _read(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            return self.path.read_bytes()
        except OSError as err:
            raise FrameLoadError(f"cannot read {self.path}: {err.strerror or err}") from None


def load_frame(item: FrameInput) -> Frame:
    """The `Frame` for one input, or `FrameLoadError` with the reason it cannot be sent."""
    if isinstance(item, Image.Image):
        return _bytes_frame(encode_image(item))
    if isinstance(item, (bytes, bytearray, memoryview)):
        return _bytes_frame(bytes(item))
    if isinstance(item, str):
        scheme = _SCHEME.match(item)
        if scheme:
            if scheme.group(1).lower() not in ("http", "https"):
                raise FrameLoadError(f"unsupported URL scheme {scheme.group(1)!r}: only http(s) URLs")
            return Frame(key=f"url:{item}", kind=URL, payload_bytes=len(json.dumps(item)) + 2, url=item)
    if isinstance(item, (str, os.PathLike)):
        return _file_frame(Path(item))
    raise FrameLoadError(f"not a frame: {type(item).__name__} (give a path, bytes, a PIL image or a URL)")


def encode_image(image: Image.Image) -> bytes:
    """PNG bytes of `image`: lossless, so the worker describes exactly these pixels."""
    buffer = io.BytesIO()
    try:
        image.save(buffer, "PNG")
    except (OSError, ValueError) as err:
        raise FrameLoadError(f"cannot encode the PIL image ({image.mode}): {err}") from None
    return buffer.getvalue()


def base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


def _bytes_frame(data: bytes) -> Frame:
    if not data:
        raise FrameLoadError("empty frame data")
    digest = hashlib.sha256(data).hexdigest()
    return Frame(key=f"sha256:{digest}", kind=BASE64, payload_bytes=base64_length(len(data)) + 4, data=data)


def _file_frame(path: Path) -> Frame:
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as file:
            while chunk := file.read(_HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as err:
        raise FrameLoadError(f"cannot read {path}: {err.strerror or err}") from None
    if size == 0:
        raise FrameLoadError(f"{path} is empty")
    return Frame(
        key=f"sha256:{digest.hexdigest()}", kind=BASE64, payload_bytes=base64_length(size) + 4, path=path
    )
