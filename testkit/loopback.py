"""A threaded HTTP server on 127.0.0.1 for the test kit's fake endpoints, which can go down.

An outage refuses connections as a dead endpoint does: the listening socket is closed, and
opened again on the same port when the outage ends (or never, once the server is closing).
Requests already accepted while it is down are the owner's to drop (`drop`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handle = Callable[[BaseHTTPRequestHandler, str], None]


class LoopbackServer:
    """Serves GET and POST through `handle(request, method)` on a free port of 127.0.0.1."""

    def __init__(self, handle: Handle, protocol_version: str = "HTTP/1.1"):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                handle(self, "GET")

            def do_POST(self) -> None:
                handle(self, "POST")

        Handler.protocol_version = protocol_version
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.down_until = 0.0
        self._closing = threading.Event()  # ends an outage early, so closing never waits it out
        self._outage_thread: threading.Thread | None = None
        self._serve()

    @property
    def down(self) -> bool:
        return time.monotonic() < self.down_until

    def go_down(self, seconds: float) -> None:
        """Refuse connections for `seconds`, then listen again on the same port."""
        self.down_until = time.monotonic() + seconds
        self._outage_thread = threading.Thread(target=self._outage, daemon=True)
        self._outage_thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._outage_thread is not None:
            self._outage_thread.join()
        self._httpd.shutdown()  # returns at once when an outage left it stopped
        self._httpd.server_close()

    def _serve(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def _outage(self) -> None:
        self._httpd.shutdown()  # stop accepting; requests already accepted are dropped by the owner
        self._httpd.socket.close()
        if self._closing.wait(max(0.0, self.down_until - time.monotonic())):
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._httpd.socket = listener
        self._serve()


def drop(request: BaseHTTPRequestHandler) -> None:
    """Close the connection without an answer, as an endpoint that went away does."""
    request.close_connection = True
    with contextlib.suppress(OSError):
        request.connection.shutdown(socket.SHUT_RDWR)
