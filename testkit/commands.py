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
    return subprocess.run(
        [str(_command()), *args], env=_env(env), capture_output=True, text=True, timeout=300
    )


def start_command(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The command started, not waited for (its output discarded): to stop it mid-run."""
    return subprocess.Popen(
        [str(_command()), *args], env=_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _command() -> Path:
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is missing: install the project into the venv (pip install -e .)")
    return COMMAND


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in _ENDPOINT_VARS}
    return {**base, **(extra or {})}
