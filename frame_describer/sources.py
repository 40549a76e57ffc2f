"""Turn one frame source (http(s) URL, data: URI or bare base64) into bytes, within limits.

A frame entry is whatever JSON value the caller sent. Only strings that are http(s) URLs or
`data:` URIs (or, with `format: base64`, base64 text) get anywhere: everything else fails as
its own frame. Base64 obeys the same byte cap as a download. Downloading itself, with its
address checks, deadline, cap and retries, is `download.py`'s. Every failure is a
`FetchError` whose message is the frame's reason.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlparse

from frame_contract import codes

from . import redact
from .download import FetchLimits, download, too_large_reason
from .errors import FetchError
from .job_input import FrameEntry

_DATA_URI = re.compile(r"^data:(?P<type>[^,;]*)(?P<params>(?:;[^,;]*)*),(?P<data>.*)$", re.S | re.I)
_BASE64_SPACE = re.compile(r"\s+")


def is_download(source: FrameEntry) -> bool:
    """True when the frame must be fetched over the network (an http(s) URL)."""
    value = source.value
    return source.kind == "url" and isinstance(value, str) and value.strip()[:5].lower() != "data:"


def fetch_frame_bytes(source: FrameEntry, limits: FetchLimits) -> bytes:
    """Return the bytes of one frame or raise `FetchError` with a short reason."""
    value = source.value
    if not isinstance(value, str):
        raise FetchError(f"frame entry must be a string, not {_json_type(value)}", codes.INVALID_ENTRY)
    value = value.strip()
    if not value:
        raise FetchError("frame entry is an empty string", codes.INVALID_ENTRY)
    if value[:5].lower() == "data:":
        return _data_uri_bytes(value, limits.max_bytes)
    if source.kind == "base64":
        return _base64_bytes(value, limits.max_bytes)
    try:
        scheme = urlparse(value).scheme.lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise FetchError("malformed URL", codes.INVALID_ENTRY) from None
    if scheme not in ("http", "https"):
        shown = f"scheme {redact.echo(scheme)}" if scheme else "no scheme"
        raise FetchError(f"not an http(s) URL or data: URI ({shown})", codes.INVALID_ENTRY)
    return download(value, limits)


def _json_type(value: object) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "a list" if isinstance(value, list) else "an object")


def _data_uri_bytes(uri: str, max_bytes: int) -> bytes:
    match = _DATA_URI.match(uri)
    if match is None:
        raise FetchError("malformed data: URI", codes.INVALID_BASE64)
    if "base64" not in (p.strip().lower() for p in match["params"].split(";")):
        raise FetchError("data: URI must be base64-encoded", codes.INVALID_BASE64)
    return _base64_bytes(match["data"], max_bytes)


def _base64_bytes(text: str, max_bytes: int) -> bytes:
    compact = _BASE64_SPACE.sub("", text)
    # Checked before decoding so that an oversized frame costs no memory.
    if len(compact) * 3 // 4 > max_bytes:
        raise FetchError(too_large_reason(max_bytes), codes.TOO_LARGE)
    compact += "=" * (-len(compact) % 4)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise FetchError("invalid base64 data", codes.INVALID_BASE64) from None
    if not data:
        raise FetchError("empty frame data", codes.EMPTY_FRAME)
    return data
