"""What the worker may repeat of a caller's values in errors, log lines and exception texts.

A frame URL may carry a signature (`?X-Amz-Signature=...`), a token in its fragment or a
password in its user info; only `scheme://host/path` of it (`url`), or its host (`host`), is
ever shown. Any other value a
caller sent (a key name, a `format`, a prompt) is shown cut to `MAX_ECHO` characters, so a
9 MiB value never comes back whole. Every such echo goes through this module.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_ECHO = 100
_CUT = "…"


def url(value: object) -> str:
    """`value` as `scheme://host[:port]/path`, cut to `MAX_ECHO`: no query, fragment or user info."""
    text = value if isinstance(value, str) else str(value)
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # an unclosed IPv6 bracket, a port out of range: show no part of it
        return "(malformed URL)"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else parts.path
    return _cut(shown)


def host(value: str) -> str:
    """Only the host of the URL `value`, for a reason that names where a frame came from."""
    try:
        return urlsplit(value).hostname or "the frame's host"
    except ValueError:
        return "the frame's host"


def echo(value: object) -> str:
    """`repr(value)` cut to about `MAX_ECHO` characters, for naming what the caller sent."""
    if isinstance(value, str) and len(value) > MAX_ECHO:
        value = value[:MAX_ECHO]  # repr of the head only: a huge string is never copied whole
    return _cut(repr(value))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + _CUT
