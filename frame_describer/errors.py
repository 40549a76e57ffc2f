"""The worker's typed errors. `response.py` is the one place that turns them into output."""

from __future__ import annotations


class WorkerError(Exception):
    """Base of every error the worker raises on purpose."""


class InvalidJob(WorkerError):
    """The request is wrong as a whole: the job fails with this one sentence."""


class FrameError(WorkerError):
    """One frame cannot be described; its message is the short reason reported for it."""


class FetchError(FrameError):
    """A frame's bytes could not be obtained (refused, unreachable, too large, too slow)."""


class DecodeError(FrameError):
    """A frame's bytes are not a raster image the worker accepts."""


class GenerationError(FrameError):
    """The model could not describe a decoded frame (out of memory, empty output)."""


class ModelLoadError(WorkerError):
    """The model or its processor cannot be loaded: the worker must not take jobs."""


class FatalDeviceError(WorkerError):
    """The GPU is in an unrecoverable state: finish the job and have RunPod replace the worker.

    `described` holds the outcomes of the first frames of the failing batch, in order, when the
    batch had been split and those were described before the GPU failed.
    """

    def __init__(self, message: str, described: list | None = None):
        super().__init__(message)
        self.described = list(described or [])
