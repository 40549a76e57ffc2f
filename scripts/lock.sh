#!/usr/bin/env bash
# Recompile requirements.lock, the Docker image's fully pinned, hash-checked dependencies, from
# requirements.txt: for the image's Python (Ubuntu 24.04's 3.12) on Linux x86_64, from PyPI.
# Run after changing requirements.txt; tests/deployment/test_cuda_line.py checks the two agree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh requirements-dev.txt
.venv/bin/uv pip compile requirements.txt \
  --python-version 3.12 --python-platform x86_64-manylinux_2_28 \
  --generate-hashes --index-url https://pypi.org/simple \
  --custom-compile-command "bash scripts/lock.sh" -o requirements.lock
