"""Any family's full-size architecture on PyTorch's meta device: its shapes, with no memory behind them."""

from __future__ import annotations

import json
from pathlib import Path

import torch


def build_on_meta(path: Path):
    from transformers import AutoModelForImageTextToText
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    raw = json.loads(path.read_text())
    config = CONFIG_MAPPING[raw["model_type"]].from_dict(raw)
    with torch.device("meta"):
        return AutoModelForImageTextToText.from_config(config)
