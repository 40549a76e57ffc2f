"""One deadline over every socket of a transfer, whatever the server does between its bytes.

Socket timeouts restart on every read, so a server that drips its answer one byte a second
never trips them. Two pieces keep one absolute deadline instead: `Watchdog` shuts down every
connection it was given when the deadline passes, and `DeadlineTimeout` gives each urllib3
connect and read wait only the time that is left.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress

from urllib3.util import Timeout

# The least a connect or read may wait once the deadline is (nearly) spent; 0 would make the
# socket non-blocking rather than time out.
_MIN_WAIT_S = 0.01


class Watchdog:
    """Shuts down every connection of one frame's fetch when its deadline passes.

    NOTE: a connection is registered before it connects and its socket is read at the
    deadline; shutting the socket down (not closing it) wakes the thread blocked on it, which
    then fails and closes it itself. During a TLS handshake `conn.sock` is the plain socket
    already handed to TLS; the handshake is bounded by its own timeout, which ends at the
    deadline (`DeadlineTimeout`).
    """

    def __init__(self, deadline: float):
        self.expired = False
        self._connections: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        with self._lock:
            self._connections.clear()

    def watch(self, connection) -> None:
        with self._lock:
            self._connections.append(connection)
            if self.expired:
                shut(connection)

    def forget(self, connections: list) -> None:
        """Stop watching `connections` (before they are closed and their sockets reused)."""
        with self._lock:
            self._connections = [c for c in self._connections if c not in connections]

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                shut(connection)


def shut(connection) -> None:
    """Wake the thread blocked on `connection`'s socket: it then fails and closes it itself."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with suppress(OSError):
            # The plain socket's shutdown, also for a TLS socket: ssl's own would tear down
            # TLS state that the reading thread is still using.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class DeadlineTimeout(Timeout):
    """A urllib3 timeout whose every connect and read wait ends at one absolute deadline.

    urllib3 clones the timeout for each request and reads `connect_timeout` and `read_timeout`
    when it needs them, so these shrink as time passes.
    """

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline

    def clone(self) -> DeadlineTimeout:
        return DeadlineTimeout(self.deadline)

    @property
    def connect_timeout(self) -> float:
        return self.left()

    @property
    def read_timeout(self) -> float:
        return self.left()

    def left(self) -> float:
        return max(_MIN_WAIT_S, self.deadline - time.monotonic())
