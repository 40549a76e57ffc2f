"""Shared fixtures: a tiny random LLaVA-NeXT loaded through MODEL_ID, a frame server, the API.

The tiny checkpoint is built once per test session and every test, in process or in a
subprocess, loads it through the same `MODEL_ID` code path the real model uses.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.frame_server import FrameServer

REPO = Path(__file__).resolve().parent.parent

# Test-wide environment, set before `handler` is imported anywhere.
TEST_ENV = {
    "MAX_NEW_TOKENS": "24",
    "MAX_BATCH_SIZE": "4",
    "BATCH_WAIT_MS": "20",
    "FETCH_TIMEOUT_S": "5",
    "MAX_FRAMES_PER_JOB": "64",
    # The frame server lives on 127.0.0.1; tests about refusing it turn this off.
    "RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS": "1",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def pytest_configure(config: pytest.Config) -> None:
    from tests.tiny_model import build_tiny_model

    folder = Path(tempfile.mkdtemp(prefix="tiny-llava-")) / "model"
    build_tiny_model(folder)
    os.environ.update(TEST_ENV)
    os.environ["MODEL_ID"] = str(folder)


@pytest.fixture(scope="session")
def handler_module():
    """The real `handler` module, model loaded at import from the tiny checkpoint."""
    import handler

    return handler


@pytest.fixture
def run_job(handler_module):
    """Run one job through the real async handler and return its output dict."""

    def run(job_input, job_id: str = "test-job") -> dict:
        return asyncio.run(handler_module.handler({"id": job_id, "input": job_input}))

    return run


@pytest.fixture(scope="session")
def frame_server_session():
    server = FrameServer()
    yield server
    server.close()


@pytest.fixture
def frame_server(frame_server_session):
    """The loopback frame server, with no routes and no recorded requests."""
    frame_server_session.reset()
    return frame_server_session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listened on port {port} within {timeout_s} s")


@contextmanager
def local_api(log_path: Path, **env: str) -> Iterator[str]:
    """`python handler.py --rp_serve_api` on 127.0.0.1 with `env` over this process's; its URL."""
    port = free_port()
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "handler.py",
                "--rp_serve_api",
                "--rp_api_host",
                "127.0.0.1",
                "--rp_api_port",
                str(port),
            ],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def api_server(tmp_path_factory):
    """The local API serving the tiny model; yields its base URL."""
    with local_api(tmp_path_factory.mktemp("api") / "server.log", MAX_CONCURRENT_JOBS="8") as url:
        yield url
