"""Download the model's weights into the image at build time, so the worker starts offline.

Run by the Dockerfile with MODEL_ID and MODEL_REVISION build args; an HF token, when the
model needs one, comes as the build secret `hf_token` and never lands in a layer. With an
empty MODEL_ID nothing is downloaded: the worker then loads from RunPod's model cache or a
network volume.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

log = logging.getLogger("builder")

SECRET = Path("/run/secrets/hf_token")
# Everything from_pretrained reads for this model; no .bin, no .pth duplicates.
PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-id", default=os.environ.get("MODEL_ID", ""))
    parser.add_argument("--revision", default=os.environ.get("MODEL_REVISION") or None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.model_id:
        log.info("MODEL_ID is empty: no weights baked into the image")
        return
    from huggingface_hub import snapshot_download

    token = SECRET.read_text().strip() if SECRET.is_file() else None
    folder = snapshot_download(
        repo_id=args.model_id, revision=args.revision or None, allow_patterns=PATTERNS, token=token
    )
    log.info("downloaded %s@%s into %s", args.model_id, args.revision or "main", folder)


if __name__ == "__main__":
    main()
