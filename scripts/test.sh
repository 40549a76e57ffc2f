#!/usr/bin/env bash
# Set up .venv with the development tools and run every check: ruff (lint and format),
# hadolint on the Dockerfile, then the test suite on CPU, then the TypeScript client's tests.
# The contact sheet's test renders the page in a real browser: Debian's chromium, installed
# here when it is missing (apt-get, as root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update && apt-get install -y chromium
fi
bash scripts/setup.sh requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/hadolint Dockerfile
.venv/bin/python -m pytest "$@"
# The TypeScript client for render-api, against the same worker (Node 20 and npm).
(cd clients/typescript && npm ci --no-audit --no-fund && npm test)
