"""A catalogue of good and hostile frames, served by the loopback frame server, for mixed jobs.

Each entry is the value a caller would put in a job and the reason its frame must fail with
(`None` for a frame that must be described). Reasons are matched as prefixes.
"""

from __future__ import annotations

import gzip
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from testkit.images import b64, data_uri, encode, frame, jpeg

SMALL = (64, 36)


@dataclass(frozen=True)
class Entry:
    value: object
    fails_with: str | None = None  # a prefix of the frame's reason; None: must be described


def png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00"))


def _oriented_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(frame(size=SMALL), "JPEG", exif=exif)


def _good_images() -> dict[str, bytes]:
    small = frame((30, 60, 90), size=SMALL)
    rgba = small.convert("RGBA")
    rgba.putalpha(128)
    return {
        "jpeg": jpeg(size=SMALL),
        "cmyk": encode(small.convert("CMYK"), "JPEG"),
        "oriented": _oriented_jpeg(),
        "png-gray16": encode(Image.fromarray(np.full((36, 64), 30000, dtype=np.uint16)), "PNG"),
        "png-alpha": encode(rgba, "PNG"),
        "png-palette": encode(small.convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "PNG"),
        "gif": encode(small, "GIF"),
        "webp": encode(small, "WEBP"),
        "bmp": encode(small, "BMP"),
        "tiff": encode(small, "TIFF"),
    }


BROKEN_JPEG = jpeg(size=(320, 180))[:700]
HTML = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 36\nshowpage\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="36"><rect width="64" height="36"/></svg>'


# --- raw answers: what the frame server's `raw` routes write, status line included ----------

# However long a test waits, a dripping answer stops after this long, so no thread lingers.
DRIP_LIMIT_S = 60.0
RawAnswer = Callable[[object], None]


def drip(answer: bytes, every_s: float = 1.0) -> RawAnswer:
    """Send `answer` one byte at a time, `every_s` apart: every single read is quick."""
    return drip_each([answer[i : i + 1] for i in range(len(answer))], every_s)


def dripped_status_line(every_s: float = 1.0) -> RawAnswer:
    """A status line (with a long reason phrase) that arrives a byte every `every_s`."""
    return drip(b"HTTP/1.1 200 " + b"O" * 1000 + b"K\r\n", every_s)


def dripped_headers(every_s: float = 1.0) -> RawAnswer:
    """A prompt status line, then headers that arrive a byte every `every_s`."""

    def write(out) -> None:
        out.write(b"HTTP/1.1 200 OK\r\n")
        out.flush()
        drip(b"X-Padding: " + b"x" * 1000 + b"\r\n", every_s)(out)

    return write


def endless_continue(every_s: float = 0.2) -> RawAnswer:
    """`100 Continue`, again and again, `every_s` apart, never the real answer."""
    return drip_each([b"HTTP/1.1 100 Continue\r\n\r\n"] * 100_000, every_s)


def drip_each(pieces: list[bytes], every_s: float) -> RawAnswer:
    """Send each of `pieces`, `every_s` apart, for at most `DRIP_LIMIT_S`."""

    def write(out) -> None:
        stop = time.monotonic() + DRIP_LIMIT_S
        for piece in pieces:
            if time.monotonic() > stop:
                return
            out.write(piece)
            out.flush()
            time.sleep(every_s)

    return write


def at_once(answer: bytes) -> RawAnswer:
    """Send `answer` (whatever it is) in one go and close."""
    return lambda out: out.write(answer)


def _ok(headers: bytes, body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + headers + b"Connection: close\r\n\r\n" + body


def broken_answers(body: bytes) -> dict[str, tuple[bytes, str]]:
    """Answers that break HTTP, by name: the bytes sent, and the start of the frame's reason."""
    length = b"Content-Length: %d\r\n" % len(body)
    headers = b"".join(b"X-Header-%d: %d\r\n" % (i, i) for i in range(101))
    return {
        "no-status-line": (body, "no valid HTTP status line"),
        "not-http": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "no valid HTTP status line"),
        "too-many-headers": (_ok(headers + length, body), "too many headers"),
        "header-too-long": (_ok(b"X-Long: " + b"x" * 70_000 + b"\r\n" + length, body), "a status line"),
        "broken-chunks": (
            _ok(b"Transfer-Encoding: chunked\r\n", b"zz\r\n" + body + b"\r\n0\r\n\r\n"),
            "broken chunked encoding",
        ),
        "invalid-length": (_ok(b"Content-Length: lots\r\n", body), "invalid Content-Length"),
        "two-lengths": (
            _ok(length + b"Content-Length: %d\r\n" % (len(body) + 1), body),
            "invalid",
        ),
        "negative-length": (_ok(b"Content-Length: -5\r\n", body), "invalid Content-Length"),
    }


def url_entries(server, *, slow: bool = True) -> list[Entry]:
    """Good and hostile `frame_urls` entries on `server`; `slow` adds the ones that take the deadline."""
    add, url = server.add, server.url
    good = [Entry(add(f"/good/{name}", data)) for name, data in _good_images().items()]
    image = jpeg(size=SMALL)
    good += [
        Entry(add("/as-html", image, headers={"Content-Type": "text/html"})),
        Entry(add("/retry-503", image, fail_times=2)),
        Entry(add("/retry-429", image, fail_times=1, fail_status=429)),
        Entry(add("/retry-reset", image, reset_times=1)),
        Entry(add("/redirected", status=302, redirect_to=add("/target", image))),
        Entry(add("/chunked", image, chunked=True)),
        Entry(add("/slow-but-in-time", image, delay_s=1.0)),
        Entry(data_uri(image)),
    ]
    add("/loop-a", status=302, redirect_to=url("/loop-b"))
    add("/loop-b", status=302, redirect_to=url("/loop-a"))
    chain = add("/chain-end", image)
    for hop in range(5):
        chain = add(f"/chain-{hop}", status=302, redirect_to=chain)
    hostile = [
        Entry(url("/missing.jpg"), "HTTP 404 from 127.0.0.1"),
        Entry(add("/forbidden", HTML, status=403), "HTTP 403 from 127.0.0.1"),
        Entry(add("/always-500", image, fail_times=10**6, fail_status=500), "HTTP 500 from 127.0.0.1"),
        Entry(add("/error-page", HTML), "not an image"),
        Entry(add("/vector.svg", SVG), "not an image"),
        Entry(add("/figure.eps", EPS), "not an image"),
        Entry(add("/empty", b""), "empty body from 127.0.0.1"),
        Entry(add("/truncated.jpg", BROKEN_JPEG), "broken image"),
        Entry(add("/bomb.png", png_header_only(100_000, 100_000)), "image is over the pixel limit"),
        Entry(url("/loop-a"), "more than 3 redirects"),
        Entry(chain, "more than 3 redirects"),
        Entry(add("/to-file", status=302, redirect_to="file:///etc/passwd"), "refused: redirect to a scheme"),
        Entry(add("/huge", image, headers={"Content-Length": str(10**10)}), "frame is larger than the"),
        Entry(
            add("/gzipped", gzip.compress(image), headers={"Content-Encoding": "gzip"}), "compressed transfer"
        ),
        Entry("file:///etc/passwd", "not an http(s) URL or data: URI"),
        Entry("ftp://127.0.0.1/frame.jpg", "not an http(s) URL or data: URI"),
        Entry("frame_0001.jpg", "not an http(s) URL or data: URI"),
        Entry("", "frame entry is an empty string"),
        Entry(None, "frame entry must be a string"),
        Entry(12, "frame entry must be a string"),
        Entry({"url": url("/good/jpeg")}, "frame entry must be a string"),
        Entry("data:image/jpeg;base64,@@not-base64@@", "invalid base64 data"),
        Entry(data_uri(HTML, "image/jpeg"), "not an image"),
    ]
    hostile += [
        Entry(add(f"/broken/{name}", raw=at_once(answer)), reason)
        for name, (answer, reason) in broken_answers(image).items()
    ]
    hostile.append(Entry(add("/no-location", status=302), "redirect without Location"))
    if slow:
        too_slow = "download from 127.0.0.1 exceeded the"
        hostile += [
            Entry(add("/drip", image[:200], drip_s=0.2), too_slow),
            Entry(add("/silent", image, delay_s=60), too_slow),
            Entry(add("/drip-status", raw=dripped_status_line(0.2)), too_slow),
            Entry(add("/drip-headers", raw=dripped_headers(0.2)), too_slow),
            Entry(add("/endless-continue", raw=endless_continue(0.2)), too_slow),
        ]
    return good + hostile


def base64_entries() -> list[Entry]:
    """Good and hostile `frame_data` entries (with `format: base64`)."""
    good = [Entry(b64(data)) for data in _good_images().values()] + [Entry(data_uri(jpeg(size=SMALL)))]
    hostile = [
        Entry("not base64 at all!", "invalid base64 data"),
        Entry(b64(HTML), "not an image"),
        Entry(b64(SVG), "not an image"),
        Entry(b64(BROKEN_JPEG), "broken image"),
        Entry("data:image/jpeg;base64,", "empty frame data"),
        Entry(None, "frame entry must be a string"),
        Entry(["nested"], "frame entry must be a string"),
        Entry("   ", "frame entry is an empty string"),
    ]
    return good + hostile


def check_output(entries: list[Entry], output: dict) -> None:
    """Assert that every good entry was described and every hostile one failed for its reason."""
    assert output["count"] == len(entries) == len(output["descriptions"])
    expected_failures = [i for i, entry in enumerate(entries) if entry.fails_with is not None]
    assert output["failed_indices"] == expected_failures, _mismatch(entries, output)
    for index, reason in zip(output["failed_indices"], output["errors"], strict=True):
        assert reason.startswith(entries[index].fails_with), (index, entries[index].value, reason)
        assert output["descriptions"][index] == ""
    assert all(output["descriptions"][i] for i, entry in enumerate(entries) if entry.fails_with is None)


def _mismatch(entries: list[Entry], output: dict) -> list:
    reasons = dict(zip(output["failed_indices"], output["errors"], strict=True))
    return [
        (i, str(entry.value)[:60], entry.fails_with, reasons.get(i))
        for i, entry in enumerate(entries)
        if (entry.fails_with is None) != (i not in reasons)
    ]
