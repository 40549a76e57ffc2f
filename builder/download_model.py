"""Bake the model's weights into the image at build time, so the worker starts offline.

Run by the Dockerfile with the MODEL_ID and MODEL_REVISION build args. MODEL_ID is a hub id
(downloaded; an HF token, when the model needs one, comes as the build secret `hf_token` and
never lands in a layer) or a folder in the build context (copied). Either way the weights land
in one plain folder (`--output`, the image's BAKED_MODEL_DIR) with a `BAKED_FROM` file naming
what they are, which is how the worker recognises them at run time under the same MODEL_ID.
With an empty MODEL_ID nothing is baked: the worker then loads from RunPod's model cache or a
network volume. Needs huggingface_hub only, not the worker's code, so the weights' image layer
does not depend on it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger("builder")

SECRET = Path("/run/secrets/hf_token")
# Everything from_pretrained reads for these models; no .bin, no .pth duplicates.
PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken", "*.py"]
BAKED_FROM = "BAKED_FROM"  # read by frame_describer/model_source.py


def bake(model_id: str, revision: str | None, output: Path, context: Path) -> Path:
    """Put `model_id` (hub id, or folder relative to `context`) into `output`; returns `output`."""
    local = context / model_id
    output.mkdir(parents=True, exist_ok=True)
    if local.is_dir():
        shutil.copytree(local, output, dirs_exist_ok=True)
        log.info("copied %s into %s", local, output)
    else:
        from huggingface_hub import snapshot_download

        token = SECRET.read_text().strip() if SECRET.is_file() else None
        snapshot_download(
            repo_id=model_id, revision=revision, allow_patterns=PATTERNS, token=token, local_dir=output
        )
        log.info("downloaded %s@%s into %s", model_id, revision or "main", output)
    (output / BAKED_FROM).write_text(json.dumps({"model_id": model_id, "revision": revision}) + "\n")
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-id", default=os.environ.get("MODEL_ID", ""))
    parser.add_argument("--revision", default=os.environ.get("MODEL_REVISION") or None)
    parser.add_argument("--output", type=Path, default=Path("/models/baked"), help="the baked folder")
    parser.add_argument("--context", type=Path, default=Path("."), help="where a folder MODEL_ID is")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.model_id:
        log.info("MODEL_ID is empty: no weights baked into the image")
        return
    bake(args.model_id, args.revision or None, args.output, args.context)


if __name__ == "__main__":
    main()
