"""Download one frame over http(s) within one deadline, a size cap and bounded retries.

Address safety is the runpod SDK's `rp_ssrf`: `resolve_and_validate` refuses a host that
resolves to any non-public address, and `PinnedIPAdapter` dials only the address that was
checked. This module walks the redirect hops itself (each hop checked again) rather than
calling `rp_ssrf.safe_get`, because it must own the connections to keep one deadline.

One deadline per frame, from name resolution to the last byte, retries included: socket
timeouts restart on every read, so a server that drips its status line or headers one byte a
second, or sends `100 Continue` forever, would never trip them. A watchdog (`deadline.py`) shuts down every
connection of the frame's fetch when the deadline passes, wherever the transfer stands, and
name resolution is waited for only until then. An answer that breaks HTTP (no status line,
too many headers, a redirect without `Location`, broken chunked encoding, an invalid
`Content-Length`) fails as `bad_response`, which a retry would not mend. Every failure is a
`FetchError` whose message is the frame's reason; reasons and log lines name the host or
the redacted URL (`redact.url`), never the query.
"""

from __future__ import annotations

import functools
import http.client
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions as u3

from frame_contract import codes

from . import redact
from .deadline import DeadlineTimeout, Watchdog
from .errors import FetchError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_SIZE = 64 * 1024
_BACKOFF_S = (0.25, 1.0, 2.0)
# Ask for the stored bytes as they are. A compressed transfer is refused below rather than
# inflated: inflating is where a small download becomes a huge one, and a stream of empty
# deflate blocks would keep urllib3's decoder reading without ever returning to the deadline.
_REQUEST_HEADERS = {**requests.utils.default_headers(), "Accept-Encoding": "identity"}
_IDENTITY = frozenset({"", "identity"})
# Name resolution cannot be interrupted, so it runs here and is waited for only until the
# deadline; a resolver that hangs holds one of these threads until the system gives up.
_RESOLVER = ThreadPoolExecutor(8, thread_name_prefix="resolve")
_UNRESOLVED = ("could not resolve", "no addresses resolved")  # rp_ssrf's words for "no address"


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


def download(url: str, limits: FetchLimits) -> bytes:
    """Return the body of `url` (http or https) or raise `FetchError` with a short reason."""
    from runpod.serverless.utils import rp_ssrf  # NOTE: the benchmark runs without the SDK

    deadline = time.monotonic() + limits.deadline_s  # after the import, which nothing can cut short
    too_slow = f"download from {redact.host(url)} exceeded the {limits.deadline_s:g} s deadline"
    with Watchdog(deadline) as watchdog:
        attempt = 0
        while True:
            try:
                return _download_once(rp_ssrf, url, limits, deadline, watchdog)
            except FetchError as err:
                # Whatever a connection cut off at the deadline looked like to its reader.
                if watchdog.expired or isinstance(err, _TooSlow):
                    raise FetchError(too_slow, codes.TIMED_OUT) from None
                if not isinstance(err, _Transient):
                    raise
                pause = _BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)]
                if attempt >= limits.retries or time.monotonic() + pause >= deadline:
                    raise FetchError(str(err), err.code) from None
                log.debug("retrying %s in %.2f s after: %s", redact.url(url), pause, err)
                attempt += 1
                time.sleep(pause)


class _TooSlow(FetchError):
    """The deadline passed: a socket wait ran out, or name resolution did not end in time."""

    def __init__(self) -> None:
        super().__init__("the deadline passed", codes.TIMED_OUT)


def _download_once(rp_ssrf, url: str, limits: FetchLimits, deadline: float, watchdog: Watchdog) -> bytes:
    connections: list = []
    with ExitStack() as cleanup:  # closes this attempt's responses and connections
        try:
            return _answer_body(rp_ssrf, url, limits, deadline, watchdog, connections, cleanup)
        finally:
            watchdog.forget(connections)  # before they close, so no reused socket is shut down


def _answer_body(rp_ssrf, url, limits, deadline, watchdog, connections, cleanup) -> bytes:
    """The body of the answer `url` leads to, if it is a 200 the worker may read."""
    response = _follow(rp_ssrf, url, deadline, watchdog, connections, cleanup)
    host = redact.host(response.url)
    status = response.status_code
    if status in codes.TRANSIENT_HTTP_STATUSES:
        raise _Transient(f"HTTP {status} from {host}", codes.UPSTREAM_ERROR)
    if status != 200:
        code = codes.NOT_FOUND if status in (404, 410) else codes.HTTP_ERROR
        raise FetchError(f"HTTP {status} from {host}", code)
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in _IDENTITY:
        shown = redact.echo(encoding)[1:-1]
        raise FetchError(f"compressed transfer ({shown}) from {host} is not accepted", codes.HTTP_ERROR)
    _check_declared_length(response, host, limits.max_bytes)
    return _read_body(response, host, limits.max_bytes)


def _follow(rp_ssrf, url: str, deadline: float, watchdog: Watchdog, connections: list, cleanup: ExitStack):
    """The first answer of `url` that is not a redirect, each hop's address checked and pinned."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        host = redact.host(current)
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError("refused: redirect to a scheme other than http(s)", codes.REFUSED_ADDRESS)
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:  # a port out of range
            raise FetchError("malformed URL", codes.INVALID_ENTRY) from None
        if not parts.hostname:
            raise FetchError("malformed URL", codes.INVALID_ENTRY)
        _refuse_if_proxied(rp_ssrf, current)
        addresses = _resolve(rp_ssrf, parts.hostname, port, deadline)
        response = _get_pinned(rp_ssrf, current, addresses, deadline, watchdog, connections, cleanup)
        if response.status_code not in _REDIRECT_STATUSES:
            return response
        location = response.headers.get("Location")
        response.close()
        if not location:
            raise FetchError(f"redirect without Location from {host}", codes.BAD_RESPONSE)
        try:
            current = urljoin(current, location)
        except ValueError:
            raise FetchError(f"malformed redirect Location from {host}", codes.BAD_RESPONSE) from None
    raise FetchError(f"more than {MAX_REDIRECTS} redirects", codes.TOO_MANY_REDIRECTS)


def _refuse_if_proxied(rp_ssrf, url: str) -> None:
    # NOTE: the SDK's own check (private in runpod 1.12, as pinned in requirements): a proxy
    # would resolve the host itself and bypass the address check. The adapter below is never
    # given a proxy, so this only turns a silently direct fetch into a clear refusal.
    try:
        rp_ssrf._refuse_if_proxied(url)
    except rp_ssrf.SSRFError:
        raise FetchError(
            "refused: an HTTP proxy would bypass the address check", codes.REFUSED_ADDRESS
        ) from None


def _resolve(rp_ssrf, hostname: str, port: int, deadline: float) -> list[str]:
    future = _RESOLVER.submit(rp_ssrf.resolve_and_validate, hostname, port)
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        raise _TooSlow from None
    except rp_ssrf.SSRFError as err:
        if isinstance(err.__cause__, socket.gaierror) or str(err).startswith(_UNRESOLVED):
            raise FetchError("could not resolve host", codes.UNRESOLVABLE_HOST) from None
        raise FetchError("refused: address is not public", codes.REFUSED_ADDRESS) from None
    except (UnicodeError, ValueError):  # a host name IDNA cannot encode
        raise FetchError("malformed URL", codes.INVALID_ENTRY) from None


def _get_pinned(rp_ssrf, url, addresses, deadline, watchdog, connections, cleanup):
    """GET `url` dialling each checked address in turn until one connects (as `safe_get`)."""
    request = requests.Request("GET", url, headers=_REQUEST_HEADERS).prepare()
    host = redact.host(url)
    failure: FetchError | None = None
    for address in addresses:
        adapter = _watched_adapter_class(rp_ssrf)(address, watchdog, connections)
        cleanup.callback(adapter.close)
        try:
            response = adapter.send(request, stream=True, timeout=DeadlineTimeout(deadline))
        except requests.RequestException as err:
            failure = _request_failure(err, host)
            if isinstance(err, requests.ConnectionError) and isinstance(failure, _Transient):
                continue  # this address is unreachable: the next may not be
            raise failure from None
        cleanup.callback(response.close)
        return response
    raise failure or FetchError(f"could not connect to {host}", codes.CONNECTION_FAILED)


@functools.cache
def _watched_adapter_class(rp_ssrf) -> type:
    """`rp_ssrf.PinnedIPAdapter` whose every connection is registered with a fetch's watchdog."""

    class WatchedAdapter(rp_ssrf.PinnedIPAdapter):
        def __init__(self, address: str, watchdog: Watchdog, connections: list):
            self._watchdog, self._connections = watchdog, connections
            super().__init__(address, max_retries=0)

        def _pin(self, pool, url):
            pool = super()._pin(pool, url)
            pool.ConnectionCls = _watched_class(pool.ConnectionCls, self._watchdog, self._connections)
            return pool

    return WatchedAdapter


def _watched_class(base: type, watchdog: Watchdog, connections: list) -> type:
    if getattr(base, "_watched_by", None) is watchdog:
        return base

    class Watched(base):
        _watched_by = watchdog

        def connect(self):
            connections.append(self)
            watchdog.watch(self)
            super().connect()

    return Watched


def _request_failure(err: requests.RequestException, host: str) -> FetchError:
    """The frame's reason for a request that failed before its answer's headers were read."""
    if isinstance(err, requests.Timeout):
        return _TooSlow()
    if isinstance(err, requests.exceptions.SSLError):  # a certificate does not get better
        return FetchError(f"TLS handshake with {host} failed", codes.TLS_ERROR)
    broken = _broken_http(err)
    if broken is not None:
        return FetchError(f"{broken} from {host}", codes.BAD_RESPONSE)
    if isinstance(err, requests.ConnectionError):
        return _Transient(f"could not connect to {host}", codes.CONNECTION_FAILED)
    if isinstance(err, requests.exceptions.InvalidURL):
        return FetchError("malformed URL", codes.INVALID_ENTRY)
    return FetchError(f"request to {host} failed: {type(err).__name__}", codes.HTTP_ERROR)


def _broken_http(err: BaseException) -> str | None:
    """What the answer got wrong when `err` (or one of its causes) says it broke HTTP, else None.

    NOTE: `RemoteDisconnected` is a `BadStatusLine` too, but a server that closes before
    answering is a connection failure (a keep-alive race, a restart), not a broken answer.
    """
    seen: BaseException | None = err
    for _ in range(8):  # requests -> urllib3 -> http.client, each wrapping the next
        if seen is None:
            return None
        if isinstance(seen, ConnectionError):  # RemoteDisconnected among them
            return None
        if isinstance(seen, http.client.LineTooLong):
            return "a status line or header too long"
        if isinstance(seen, http.client.BadStatusLine):
            return "no valid HTTP status line"
        if isinstance(seen, u3.InvalidChunkLength) or (
            # http.client's chunked reader fails on a chunk size that is not hex this way
            isinstance(seen, http.client.IncompleteRead) and isinstance(seen.__context__, ValueError)
        ):
            return "broken chunked encoding"
        if isinstance(seen, (u3.InvalidHeader, u3.HeaderParsingError)):
            return "invalid headers"
        if isinstance(seen, http.client.HTTPException) and not isinstance(seen, http.client.IncompleteRead):
            return "an answer that breaks HTTP" if "headers" not in str(seen) else "too many headers"
        args = getattr(seen, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        seen = nested or seen.__cause__ or seen.__context__
    return None


def _check_declared_length(response, host: str, max_bytes: int) -> None:
    declared = response.headers.get("Content-Length")
    if declared is None or response.headers.get("Transfer-Encoding"):
        return
    values = {value.strip() for value in declared.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise FetchError(f"invalid Content-Length from {host}", codes.BAD_RESPONSE)
    if int(next(iter(values))) > max_bytes:
        raise FetchError(too_large_reason(max_bytes), codes.TOO_LARGE)


def _read_body(response, host: str, max_bytes: int) -> bytes:
    # NOTE: not `iter_content`: it asks urllib3 for whole chunks, and urllib3 keeps reading
    # until a chunk is full. `read1` returns after a single socket read, so the cap is checked
    # as the bytes arrive; the watchdog ends a body that is still coming at the deadline.
    chunks, total = [], 0
    try:
        while chunk := response.raw.read1(_READ_SIZE, decode_content=False):
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(too_large_reason(max_bytes), codes.TOO_LARGE)
            chunks.append(chunk)
    except u3.ReadTimeoutError:
        raise _TooSlow from None
    except (u3.HTTPError, http.client.HTTPException, OSError) as err:
        broken = _broken_http(err)
        if broken is not None:
            raise FetchError(f"{broken} from {host}", codes.BAD_RESPONSE) from None
        raise _Transient(f"connection to {host} broke during download", codes.CONNECTION_FAILED) from None
    if total == 0:
        raise FetchError(f"empty body from {host}", codes.EMPTY_FRAME)
    return b"".join(chunks)
