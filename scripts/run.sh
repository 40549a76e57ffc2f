#!/usr/bin/env bash
# Set up .venv and run the worker's local job: `python handler.py` on ./test_input.json.
#   bash scripts/run.sh            # the model named by MODEL_ID (default: the real LLaVA-NeXT)
#   bash scripts/run.sh --tiny     # a tiny random LLaVA-NeXT built into .tiny-model, CPU is enough
# Other arguments go to handler.py (e.g. --test_input '{...}' or --rp_serve_api).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh requirements.txt
if [ "${1:-}" = "--tiny" ]; then
  shift
  [ -f .tiny-model/config.json ] || .venv/bin/python -m testkit.tiny_model .tiny-model
  export MODEL_ID="$root/.tiny-model"
fi
exec .venv/bin/python handler.py "$@"
