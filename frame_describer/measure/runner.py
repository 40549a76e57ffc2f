"""The worker's measuring threads: CPU threads, one per core it may run on, beside the GPU.

`Measurer` owns them for the whole process. Each frame is measured on one thread (the OCR with
one onnxruntime thread), so as many frames are measured at once as the worker has cores, while
other frames generate on the GPU. The cores are the ones the process may run on
(`os.sched_getaffinity`), which is what a container's CPU limit leaves it, not the host's count.

The OCR engine is built once: at start when the worker's `MEASURE` asks for text, else by the
first frame whose job does (`text.load` is thread-safe; its cold start is logged there).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from frame_contract.job_input import OCR_TEXT

from . import pixel_measurements, text

log = logging.getLogger(__name__)

OCR_THREADS = 1  # onnxruntime threads per frame: frames are measured side by side, one per core


def available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Measurer:
    """The threads that measure frames; `pool` runs `read_text` and `measure_pixels` calls."""

    def __init__(self, kinds_at_start: Iterable[str] = (), cores: int | None = None):
        self.cores = cores or available_cores()
        self.pool = ThreadPoolExecutor(self.cores, thread_name_prefix="measure")
        log.info("measuring on %d CPU thread(s)", self.cores)
        if OCR_TEXT in kinds_at_start:
            self.load_text()

    def load_text(self) -> None:
        """Build the OCR engine if no call has yet; `MeasureError` when it cannot load."""
        text.load(threads=OCR_THREADS)

    def read_text(self, image) -> text.TextReading:
        """The text lines of a decoded frame (the engine is built first if need be)."""
        self.load_text()
        return text.read_text(image)

    def measure_pixels(self, image, kinds: Iterable[str]) -> dict:
        """The frame's colour and exposure, of those in `kinds`."""
        return pixel_measurements(image, kinds)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
