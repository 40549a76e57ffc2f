"""The worker's typed errors. `response.py` is the one place that turns them into output.

Every `FrameError` carries the short reason reported in `errors` and one of
`frame_contract.codes.WORKER_CODES` for `error_codes`.
"""

from __future__ import annotations

from frame_contract import codes


class WorkerError(Exception):
    """Base of every error the worker raises on purpose."""


class InvalidJob(WorkerError):
    """The request is wrong as a whole: the job fails with this one sentence."""


class FrameError(WorkerError):
    """One frame cannot be described: `reason` (the message) says why, `code` says it for machines."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.code = code


class FetchError(FrameError):
    """A frame's bytes could not be obtained (refused, unreachable, too large, too slow)."""


class DecodeError(FrameError):
    """A frame's bytes are not a raster image the worker accepts."""


class GenerationError(FrameError):
    """The model could not describe a decoded frame (out of memory, empty output)."""


class MeasureError(FrameError):
    """A frame's measurements (`frame_describer.measure`) cannot be made; the message says why.
    The frame fails with it: a job that asked for measurements gets them or a reason."""

    def __init__(self, reason: str):
        super().__init__(reason, codes.MEASUREMENT_FAILED)


class StartupError(WorkerError):
    """The worker must not take jobs: the model cannot load, or the device is not what it must be."""

    headline = "Worker cannot start"


class ModelLoadError(StartupError):
    """The model or its processor cannot be loaded."""

    headline = "Model failed to load"


class DeviceError(StartupError):
    """The device the settings ask for is not there."""

    headline = "No usable GPU"


class FatalDeviceError(WorkerError):
    """The GPU is in an unrecoverable state: finish the job and have RunPod replace the worker."""
