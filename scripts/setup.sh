#!/usr/bin/env bash
# Create .venv at the repository root (once) and install the worker with the given
# requirements file. Sourced by run.sh and test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="${1:-requirements.txt}"
if [ ! -x "$root/.venv/bin/python" ]; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/python" -m pip install --quiet --upgrade pip
fi
# Installed first and alone: torch==2.13.0 resolves to the machine's local CPU build here
# and to the CUDA build on a GPU image, without pulling anything else.
"$root/.venv/bin/python" -m pip install --quiet "torch==2.13.0"
"$root/.venv/bin/python" -m pip install --quiet -r "$root/$requirements"
"$root/.venv/bin/python" -m pip install --quiet --no-deps -e "$root"
