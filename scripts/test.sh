#!/usr/bin/env bash
# Set up .venv with the development tools and run every check: ruff (lint and format),
# hadolint on the Dockerfile, then the test suite on CPU.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/hadolint Dockerfile
.venv/bin/python -m pytest "$@"
