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
# torch and torchvision first, together and alone: pip then takes the matching pair (a CUDA 13.0
# build that also runs on the CPU) from this machine's local wheel store where there is one,
# and nothing else it pulls can ask for another torch.
mapfile -t torch_pair < <(grep -E '^(torch|torchvision)==' "$root/requirements.txt")
"$root/.venv/bin/python" -m pip install --quiet "${torch_pair[@]}"
"$root/.venv/bin/python" -m pip install --quiet -r "$root/$requirements"
"$root/.venv/bin/python" -m pip install --quiet --no-deps -e "$root"
