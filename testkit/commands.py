"""The installed `describe-frames` command, run as a user runs it, without the endpoint's variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).parent / "describe-frames"
_ENDPOINT_VARS = ("RUNPOD_VISION_ENDPOINT_ID", "RUNPOD_API_KEY")


def run_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is missing: install the project into the venv (pip install -e .)")
    base = {k: v for k, v in os.environ.items() if k not in _ENDPOINT_VARS}
    return subprocess.run(
        [str(COMMAND), *args], env={**base, **(env or {})}, capture_output=True, text=True, timeout=300
    )
