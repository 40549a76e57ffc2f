"""The OCR models travel inside the rapidocr wheel: the engine loads in a process whose every
network connection is refused, as it must in the image (no hub, no download at run time)."""

from __future__ import annotations

import os
import subprocess
import sys

from testkit.local_api import REPO

NO_NETWORK = """
import socket

def refuse(*args, **kwargs):
    raise OSError("network refused in this test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

from frame_describer.measure import text
assert text.load() > 0
print("loaded")
"""


def test_the_ocr_engine_loads_with_every_connection_refused():
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "loaded"
