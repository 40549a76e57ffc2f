"""Shared fixtures: a tiny random LLaVA-NeXT loaded through MODEL_ID, a frame server, the API.

The tiny checkpoint is built once per test session, and only when a test needs it (the
`tiny_model` fixture, which the handler and API fixtures depend on): contract and client tests
never pay for it. Every test that uses it, in process or in a subprocess, loads it through the
same `MODEL_ID` code path the real model uses.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from testkit.frame_server import FrameServer
from testkit.local_api import local_api

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
    os.environ.update(TEST_ENV)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The tiny random LLaVA-NeXT's folder, built once per session; give it as MODEL_ID."""
    from testkit.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-llava") / "model")


@pytest.fixture(scope="session")
def handler_module(tiny_model):
    """The real `handler` module, model loaded at import from the tiny checkpoint."""
    # NOTE: `handler` reads the process environment once, at import.
    os.environ["MODEL_ID"] = str(tiny_model)
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


@pytest.fixture(scope="session")
def api_server(tiny_model, tmp_path_factory):
    """The local API serving the tiny model; yields its base URL."""
    log = tmp_path_factory.mktemp("api") / "server.log"
    with local_api(log, MODEL_ID=str(tiny_model), MAX_CONCURRENT_JOBS="8") as url:
        yield url
