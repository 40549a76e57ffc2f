"""The optional `scenes` extra (PySceneDetect, PyAV, OpenTimelineIO), imported only when asked for.

The base client needs only requests, pillow and tqdm; scene detection and video decoding need
`pip install '.[scenes]'`. Everything that uses them imports through here, so a missing extra
is one clear `ConfigError` instead of an ImportError from deep inside.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .failures import ConfigError

INSTALL_HINT = "pip install '.[scenes]' (or: pip install scenedetect-headless av opentimelineio)"


def require(module: str, purpose: str) -> ModuleType:
    """`module` imported, or `ConfigError` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ConfigError(f"{purpose} needs the client's 'scenes' extra ({err}): {INSTALL_HINT}") from None
