"""Download one frame over http(s) within a whole-transfer deadline, a size cap and bounded retries.

Address safety is the runpod SDK's `rp_ssrf.safe_get`: it refuses non-public addresses after
DNS resolution and again on every redirect hop, pins the connection to the checked address
and refuses a declared Content-Length over the cap. This module adds what it leaves to its
caller: one deadline for the whole transfer (redirect hops, headers and every byte of the
body), the cap while streaming, and retries of transient failures with backoff. Every
failure is a `FetchError` whose message is the frame's reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import Timeout

from frame_contract import codes

from .errors import FetchError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
_READ_SIZE = 64 * 1024
_BACKOFF_S = (0.25, 1.0, 2.0)
# Ask for the stored bytes as they are. A compressed transfer is refused below rather than
# inflated: inflating is where a small download becomes a huge one, and a stream of empty
# deflate blocks would keep urllib3's decoder reading without ever returning to the deadline.
_REQUEST_HEADERS = {"Accept-Encoding": "identity"}
_IDENTITY = frozenset({"", "identity"})
# The least a connect or read may wait once the deadline is (nearly) spent; 0 would make the
# socket non-blocking rather than time out.
_MIN_WAIT_S = 0.01


@dataclass(frozen=True)
class FetchLimits:
    """The limits one frame's fetch runs under."""

    max_bytes: int
    deadline_s: float
    retries: int


def too_large_reason(max_bytes: int) -> str:
    """The reason given for a frame over the byte cap, downloaded or base64 alike."""
    return f"frame is larger than the {max_bytes}-byte cap"


class _Transient(FetchError):
    """A failure worth another try (connection reset, 429, 5xx); carries the frame's reason."""


class _DeadlineTimeout(Timeout):
    """A urllib3 timeout whose every connect and read wait ends at one absolute deadline.

    NOTE: `safe_get` follows redirects itself and hands the same `timeout` to every hop, so a
    plain number would give each hop the whole budget again and a chain of slow hops could run
    several deadlines long. urllib3 clones the timeout for each request and reads
    `connect_timeout` and `read_timeout` when it needs them, so these shrink as time passes.
    """

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline

    def clone(self) -> _DeadlineTimeout:
        return _DeadlineTimeout(self.deadline)

    @property
    def connect_timeout(self) -> float:
        return self.left()

    @property
    def read_timeout(self) -> float:
        return self.left()

    def left(self) -> float:
        return max(_MIN_WAIT_S, self.deadline - time.monotonic())


def download(url: str, limits: FetchLimits) -> bytes:
    """Return the body of `url` (http or https) or raise `FetchError` with a short reason."""
    deadline = time.monotonic() + limits.deadline_s
    attempt = 0
    while True:
        try:
            return _download_once(url, limits, deadline)
        except _Transient as err:
            pause = _BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)]
            if attempt >= limits.retries or time.monotonic() + pause >= deadline:
                raise FetchError(str(err), err.code) from None
            log.debug("retrying %s in %.2f s after: %s", url, pause, err)
            attempt += 1
            time.sleep(pause)


def _download_once(url: str, limits: FetchLimits, deadline: float) -> bytes:
    # NOTE: imported here, not at the top: the benchmark runs base64 frames through the real
    # worker on machines without the runpod SDK, and only URL frames need it.
    from runpod.serverless.utils import rp_ssrf

    host = urlparse(url).hostname or url
    too_slow = f"download from {host} exceeded the {limits.deadline_s:g} s deadline"
    try:
        response = rp_ssrf.safe_get(
            url,
            timeout=_DeadlineTimeout(deadline),
            headers=_REQUEST_HEADERS,
            max_bytes=limits.max_bytes,
            max_redirects=MAX_REDIRECTS,
        )
    except rp_ssrf.SSRFError as err:
        raise FetchError(*_ssrf_reason(err, limits.max_bytes)) from None
    except requests.Timeout:
        raise FetchError(too_slow, codes.TIMED_OUT) from None
    except requests.exceptions.SSLError:  # a certificate does not get better on a second try
        raise FetchError(f"TLS handshake with {host} failed", codes.TLS_ERROR) from None
    except requests.ConnectionError:
        raise _Transient(f"could not connect to {host}", codes.CONNECTION_FAILED) from None
    except requests.RequestException as err:
        raise FetchError(f"request to {host} failed: {type(err).__name__}", codes.HTTP_ERROR) from None
    except ValueError:  # a port out of range, a host name IDNA cannot encode
        raise FetchError("malformed URL", codes.INVALID_ENTRY) from None
    with response:
        status = response.status_code
        if status in codes.TRANSIENT_HTTP_STATUSES:
            raise _Transient(f"HTTP {status} from {host}", codes.UPSTREAM_ERROR)
        if status != 200:
            code = codes.NOT_FOUND if status in (404, 410) else codes.HTTP_ERROR
            raise FetchError(f"HTTP {status} from {host}", code)
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in _IDENTITY:
            raise FetchError(
                f"compressed transfer ({encoding}) from {host} is not accepted", codes.HTTP_ERROR
            )
        return _read_body(response, host, limits.max_bytes, deadline, too_slow)


def _read_body(response, host: str, max_bytes: int, deadline: float, too_slow: str) -> bytes:
    # NOTE: not `rp_ssrf.iter_content_capped`: `iter_content` asks urllib3 for whole chunks,
    # and urllib3 keeps reading until a chunk is full, so a server dripping one byte at a time
    # could hold one read far past the deadline. `read1` returns after a single socket read,
    # whose own timeout ends at the deadline too, so the check below runs often enough.
    chunks, total = [], 0
    try:
        while chunk := response.raw.read1(_READ_SIZE, decode_content=False):
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(too_large_reason(max_bytes), codes.TOO_LARGE)
            if time.monotonic() > deadline:
                raise FetchError(too_slow, codes.TIMED_OUT)
            chunks.append(chunk)
    except ReadTimeoutError:
        raise FetchError(too_slow, codes.TIMED_OUT) from None
    except (Urllib3Error, OSError):  # reset or cut off mid-body: worth another try
        raise _Transient(f"connection to {host} broke during download", codes.CONNECTION_FAILED) from None
    if total == 0:
        raise FetchError(f"empty body from {host}", codes.EMPTY_FRAME)
    return b"".join(chunks)


def _ssrf_reason(err: Exception, max_bytes: int) -> tuple[str, str]:
    """The frame's reason and code for one of `rp_ssrf`'s refusals, read from its message."""
    text = str(err)
    if "size cap" in text:
        return too_large_reason(max_bytes), codes.TOO_LARGE
    if "maximum redirects" in text:
        return f"more than {MAX_REDIRECTS} redirects", codes.TOO_MANY_REDIRECTS
    if "could not resolve" in text:
        return "could not resolve host", codes.UNRESOLVABLE_HOST
    if "non-public address" in text:
        return "refused: address is not public", codes.REFUSED_ADDRESS
    if "blocked URL scheme" in text:
        return "refused: redirect to a scheme other than http(s)", codes.REFUSED_ADDRESS
    if "through proxy" in text:
        return "refused: an HTTP proxy would bypass the address check", codes.REFUSED_ADDRESS
    return f"refused: {text}", codes.REFUSED_ADDRESS
