"""Where MODEL_ID's files are, as a local folder, so that loading never needs the network.

Looked up in this order:
1. `MODEL_ID` is a folder: that folder (the tests' tiny model, a network volume).
2. The weights baked into the image (`BAKED_MODEL_DIR`), when its `BAKED_FROM` file names this
   `MODEL_ID` (and `MODEL_REVISION`, when one is set).
3. RunPod's model cache (`MODEL_CACHE_DIR`), then the Hugging Face cache (`HF_HOME`). In both a
   model lives in `models--ORG--NAME/snapshots/<commit>/`. The snapshot is the one
   `refs/<MODEL_REVISION or main>` names; else `MODEL_REVISION` itself when it names a snapshot;
   else, since RunPod's docs say `refs/main` may be missing, the only snapshot there is. Several
   snapshots and nothing to choose between them is an error that says how to choose.
4. None of these: `MODEL_ID` goes to transformers as a hub id, which downloads it when online.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelLoadError
from .settings import Settings

# A JSON file the image builder (builder/download_model.py) writes into the baked folder:
# {"model_id": ..., "revision": ...}.
BAKED_FROM = "BAKED_FROM"


@dataclass(frozen=True)
class ModelSource:
    """What to hand to `from_pretrained`, and where it was found (for the start-up log)."""

    name_or_path: str
    where: str
    revision: str | None = None  # only for a hub id; a local folder is one revision already


def resolve_model_source(settings: Settings, hf_cache: str | None = None) -> ModelSource:
    """Find `settings.model_id` as the module docstring says; `ModelLoadError` when ambiguous."""
    model_id, revision = settings.model_id, settings.model_revision
    if Path(model_id).is_dir():
        return ModelSource(model_id, "local folder")
    baked = Path(settings.baked_model_dir)
    if _baked_matches(baked, model_id, revision):
        return ModelSource(str(baked), "baked into the image")
    caches = [settings.model_cache_dir, hf_cache or _hf_cache()]
    for cache, where in zip(caches, ("RunPod model cache", "Hugging Face cache"), strict=True):
        snapshot = find_snapshot(Path(cache), model_id, revision)
        if snapshot is not None:
            return ModelSource(str(snapshot), f"{where} ({cache})")
    return ModelSource(model_id, "hub", revision)


def find_snapshot(cache: Path, model_id: str, revision: str | None) -> Path | None:
    """The snapshot folder of `model_id` in a hub-layout `cache`, or None when it holds none."""
    repo = cache / f"models--{model_id.replace('/', '--')}"
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    wanted = revision or "main"
    ref = repo / "refs" / wanted
    if ref.is_file():
        commit = ref.read_text().strip()
        if (snapshots / commit).is_dir():
            return snapshots / commit
        raise ModelLoadError(f"{ref} names snapshot {commit}, which is not in {snapshots}")
    if revision and (snapshots / revision).is_dir():
        return snapshots / revision
    folders = sorted(p.name for p in snapshots.iterdir() if p.is_dir())
    if revision:
        raise ModelLoadError(
            f"MODEL_REVISION={revision!r} is neither a ref nor a snapshot of {model_id} in {cache} "
            f"(snapshots: {', '.join(folders) or 'none'})"
        )
    if len(folders) == 1:
        return snapshots / folders[0]
    if not folders:
        return None
    raise ModelLoadError(
        f"{repo} holds {len(folders)} snapshots ({', '.join(folders)}) and no refs/main to choose "
        "between them: set MODEL_REVISION to one of them"
    )


def _baked_matches(folder: Path, model_id: str, revision: str | None) -> bool:
    try:
        baked = json.loads((folder / BAKED_FROM).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(baked, dict) or baked.get("model_id") != model_id:
        return False
    return revision is None or baked.get("revision") == revision


def _hf_cache() -> str:
    from huggingface_hub import constants

    return constants.HF_HUB_CACHE
