"""Turn one frame source (http(s) URL, data: URI or bare base64) into bytes, within limits.

Everything a hostile or flaky source can do is handled here: scheme allowlist, non-public
addresses (through the runpod SDK's `rp_ssrf`, after DNS and on every redirect), a size cap
on the declared length and while streaming, a whole-transfer deadline and bounded retries
of transient failures. Every failure is a `FetchError` whose message is the frame's reason.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
from runpod.serverless.utils import rp_ssrf

from .errors import FetchError
from .job_input import FrameSource

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
_READ_SIZE = 64 * 1024
_BACKOFF_S = (0.25, 1.0, 2.0)
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_DATA_URI = re.compile(r"^data:(?P<type>[^,;]*)(?P<params>(?:;[^,;]*)*),(?P<data>.*)$", re.S | re.I)
_BASE64_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FetchLimits:
    """The limits one frame's fetch runs under."""

    max_bytes: int
    deadline_s: float
    retries: int


class _Transient(Exception):
    """A failure worth another try (connection reset, 429, 5xx); carries the frame's reason."""


def fetch_frame_bytes(source: FrameSource, limits: FetchLimits) -> bytes:
    """Return the bytes of one frame or raise `FetchError` with a short reason."""
    value = source.value
    if not isinstance(value, str):
        raise FetchError(f"frame entry must be a string, not {_json_type(value)}")
    if not value.strip():
        raise FetchError("frame entry is an empty string")
    if value[:5].lower() == "data:":
        return _data_uri_bytes(value, limits.max_bytes)
    if source.kind == "base64":
        return _base64_bytes(value, limits.max_bytes)
    scheme = urlparse(value).scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"scheme {scheme!r}" if scheme else "no scheme"
        raise FetchError(f"not an http(s) URL or data: URI ({shown})")
    return _download(value, limits)


def _json_type(value: object) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "a list" if isinstance(value, list) else "an object")


def _data_uri_bytes(uri: str, max_bytes: int) -> bytes:
    match = _DATA_URI.match(uri)
    if match is None:
        raise FetchError("malformed data: URI")
    if "base64" not in (p.strip().lower() for p in match["params"].split(";")):
        raise FetchError("data: URI must be base64-encoded")
    return _base64_bytes(match["data"], max_bytes)


def _base64_bytes(text: str, max_bytes: int) -> bytes:
    compact = _BASE64_SPACE.sub("", text)
    # Checked before decoding so that an oversized frame costs no memory.
    if len(compact) * 3 // 4 > max_bytes:
        raise FetchError(f"frame is larger than the {max_bytes}-byte cap")
    compact += "=" * (-len(compact) % 4)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise FetchError("invalid base64 data") from None
    if not data:
        raise FetchError("empty frame data")
    return data


def _download(url: str, limits: FetchLimits) -> bytes:
    deadline = time.monotonic() + limits.deadline_s
    attempt = 0
    while True:
        try:
            return _download_once(url, limits.max_bytes, deadline)
        except _Transient as err:
            pause = _BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)]
            if attempt >= limits.retries or time.monotonic() + pause >= deadline:
                raise FetchError(str(err)) from None
            log.debug("retrying %s after %s", url, err)
            attempt += 1
            time.sleep(pause)


def _download_once(url: str, max_bytes: int, deadline: float) -> bytes:
    host = urlparse(url).hostname or url
    remaining = deadline - time.monotonic()
    try:
        # The connect and per-read timeouts are bounded by what is left of the deadline.
        response = rp_ssrf.safe_get(url, timeout=remaining, max_bytes=max_bytes, max_redirects=MAX_REDIRECTS)
    except rp_ssrf.SSRFError as err:
        raise FetchError(_ssrf_reason(err, max_bytes)) from None
    except requests.Timeout:
        raise FetchError(f"no answer from {host} within {remaining:.0f} s") from None
    except requests.ConnectionError:
        raise _Transient(f"could not connect to {host}") from None
    except requests.RequestException as err:
        raise FetchError(f"request to {host} failed: {type(err).__name__}") from None
    with response:
        status = response.status_code
        if status in _RETRY_STATUS:
            raise _Transient(f"HTTP {status} from {host}")
        if status != 200:
            raise FetchError(f"HTTP {status} from {host}")
        return _read_body(response, host, max_bytes, deadline, remaining)


def _read_body(response, host: str, max_bytes: int, deadline: float, budget: float) -> bytes:
    # NOTE: not `rp_ssrf.iter_content_capped`: `iter_content` asks urllib3 for whole chunks,
    # and urllib3 2 keeps reading until a chunk is full, so a server dripping one byte a second
    # could hold a read far past any deadline. `read1` returns after one socket read, so the
    # deadline below is checked at least once per read timeout.
    chunks, total = [], 0
    try:
        while True:
            chunk = response.raw.read1(_READ_SIZE, decode_content=True)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(f"frame is larger than the {max_bytes}-byte cap")
            if time.monotonic() > deadline:
                raise FetchError(f"download from {host} exceeded the {budget:.0f} s deadline")
            chunks.append(chunk)
    except FetchError:
        raise
    except Exception as err:  # urllib3 read errors: timeouts, resets, bad encodings
        if "timed out" in str(err).lower():
            raise FetchError(f"download from {host} exceeded the {budget:.0f} s deadline") from None
        raise _Transient(f"connection to {host} broke during download") from None
    if total == 0:
        raise FetchError(f"empty body from {host}")
    return b"".join(chunks)


def _ssrf_reason(err: rp_ssrf.SSRFError, max_bytes: int) -> str:
    text = str(err)
    if "size cap" in text:
        return f"frame is larger than the {max_bytes}-byte cap"
    if "maximum redirects" in text:
        return f"more than {MAX_REDIRECTS} redirects"
    if "non-public address" in text:
        return "refused: address is not public"
    if "could not resolve" in text:
        return "could not resolve host"
    return f"refused: {text}"
