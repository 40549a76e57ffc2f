"""A real HTTP server on 127.0.0.1 that serves frames, and misbehaves on request, for tests."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import BinaryIO


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line
    drip_s: float = 0.0  # pause between single body bytes (a slow-loris source)
    fail_times: int = 0  # answer `fail_status` this many times first
    fail_status: int = 503
    reset_times: int = 0  # reset the connection without an answer this many times first
    redirect_to: str | None = None
    chunked: bool = False  # no Content-Length: the body goes out with chunked transfer coding
    hold: threading.Event | None = None  # answer only once this is set (at most HOLD_LIMIT_S)
    # Writes the whole answer itself, status line included, to the connection's file (see
    # `hostile_frames`): for answers no HTTP library would send. The connection closes after.
    raw: Callable[[BinaryIO], None] | None = None


HOLD_LIMIT_S = 60.0


class FrameServer:
    """Serves `routes` on a random port of `host` (a loopback address) and records every path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests this server was answering at one time
        # The same per first path segment ("/a/1.jpg" counts under "a"): one job's share.
        self.in_flight_under: dict[str, int] = {}
        self.most_in_flight_under: dict[str, int] = {}
        # Guards the counts above; notified whenever a request starts or ends.
        self._lock = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def handle(self) -> None:
                # The worker hangs up first when it gives up on a frame, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_GET(self) -> None:
                server._serve(self)

        server_class = _IPv6HTTPServer if ":" in host else _HTTPServer
        self._httpd = server_class((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", **options) -> str:
        """Serve `body` (or the behaviour in `options`) on `path`; return its URL."""
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def count(self, path: str) -> int:
        with self._lock:
            return self.requests.count(path)

    def wait_in_flight(self, group: str, count: int, timeout_s: float) -> bool:
        """Block until `count` requests under `group` are being answered at once; False at timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self.in_flight_under.get(group, 0) >= count, timeout_s)

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.most_in_flight = self.in_flight
            self.most_in_flight_under = dict(self.in_flight_under)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        group = request.path.split("/")[1] if request.path.count("/") > 1 else ""
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.in_flight_under[group] = self.in_flight_under.get(group, 0) + 1
            peak = max(self.most_in_flight_under.get(group, 0), self.in_flight_under[group])
            self.most_in_flight_under[group] = peak
            self._lock.notify_all()
        try:
            self._answer(request)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.in_flight_under[group] -= 1
                self._lock.notify_all()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(request.path)
            route = self.routes.get(request.path)
            reset = route is not None and route.reset_times > 0
            if reset:
                route.reset_times -= 1
            elif route is not None and route.fail_times > 0:
                route.fail_times -= 1
                route = Route(status=route.fail_status, body=b"busy")
        if reset:
            _reset(request)
            return
        if route is None:
            route = Route(status=404, body=b"<html>not found</html>")
        if route.hold is not None:
            route.hold.wait(HOLD_LIMIT_S)
        time.sleep(route.delay_s)
        if route.raw is not None:
            request.close_connection = True
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route.raw(request.wfile)
            return
        try:
            request.send_response(route.status)
            if route.redirect_to is not None:
                request.send_header("Location", route.redirect_to)
            length = (
                {"Transfer-Encoding": "chunked"}
                if route.chunked
                else {"Content-Length": str(len(route.body))}
            )
            for name, value in {**length, **route.headers}.items():
                request.send_header(name, value)
            request.end_headers()
            _write_body(request, route)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker gave up on this frame, as it should


class _HTTPServer(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connections when a job opens ten at once; the
    # client then retries a second later, which would hide whether fetches really overlap.
    request_queue_size = 128


class _IPv6HTTPServer(_HTTPServer):
    address_family = socket.AF_INET6


def _write_body(request: BaseHTTPRequestHandler, route: Route) -> None:
    step = 1 if route.drip_s else 4096
    for start in range(0, len(route.body), step):
        piece = route.body[start : start + step]
        if route.chunked:
            piece = b"%x\r\n%s\r\n" % (len(piece), piece)
        request.wfile.write(piece)
        if route.drip_s:
            request.wfile.flush()
            time.sleep(route.drip_s)
    if route.chunked:
        request.wfile.write(b"0\r\n\r\n")


def _reset(request: BaseHTTPRequestHandler) -> None:
    """Drop the connection with a TCP reset, as a crashing or overloaded server does."""
    request.close_connection = True
    request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
