"""A real HTTP server on 127.0.0.1 that serves frames, and misbehaves on request, for tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line
    drip_s: float = 0.0  # pause between single body bytes (a slow-loris source)
    fail_times: int = 0  # answer 503 this many times first
    redirect_to: str | None = None


class FrameServer:
    """Serves `routes` on a random loopback port and records every path requested."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                server._serve(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", **options) -> str:
        """Serve `body` (or the behaviour in `options`) on `path`; return its URL."""
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def count(self, path: str) -> int:
        with self._lock:
            return self.requests.count(path)

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.requests.clear()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(request.path)
            route = self.routes.get(request.path)
            if route is not None and route.fail_times > 0:
                route.fail_times -= 1
                route = Route(status=503, body=b"busy")
        if route is None:
            route = Route(status=404, body=b"<html>not found</html>")
        time.sleep(route.delay_s)
        try:
            request.send_response(route.status)
            if route.redirect_to is not None:
                request.send_header("Location", route.redirect_to)
            headers = {"Content-Length": str(len(route.body)), **route.headers}
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            if route.drip_s:
                for byte in route.body:
                    request.wfile.write(bytes([byte]))
                    request.wfile.flush()
                    time.sleep(route.drip_s)
            else:
                request.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker gave up on this frame, as it should
