"""`python -m bench.studies.fairness`: how long a small base64 job waits behind another job's slow URLs.

The scenario of issue #9: a job of 64 frame URLs whose server drips one byte at a time until
the fetch deadline, then, 1 s later, a 5-frame base64 job; prints how long the base64 job took
from its start to its output, and how long the same job takes alone. Runs the real handler in
process on the tiny random model (CPU) with FETCH_TIMEOUT_S=5, against a loopback frame server.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def _tiny_model(folder: Path) -> Path:
    try:  # where the test model lives now, and where it lived before #12
        builder = importlib.import_module("testkit.tiny_model")
    except ImportError:
        builder = importlib.import_module("frame_describer.tiny_model")
    return builder.build_tiny_model(folder)


def main() -> None:
    sys.path.insert(0, str(_REPO))
    folder = _tiny_model(Path(tempfile.mkdtemp(prefix="fairness-")) / "model")
    os.environ.update(
        MODEL_ID=str(folder),
        FETCH_TIMEOUT_S="5",
        MAX_NEW_TOKENS="16",
        HF_HUB_OFFLINE="1",
        RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS="1",
        LOG_LEVEL="WARNING",
    )
    from testkit.frame_server import FrameServer
    from testkit.images import distinct_jpegs, jpeg

    handler = importlib.import_module("handler")
    server = FrameServer()
    slow = [server.add(f"/slow/{i}.jpg", jpeg(), drip_s=0.5) for i in range(64)]
    small = {"frame_data": [base64.b64encode(d).decode() for d in distinct_jpegs(5)], "format": "base64"}

    async def timed(job_input: dict, name: str) -> float:
        started = time.perf_counter()
        await handler.handler({"id": name, "input": job_input})
        return time.perf_counter() - started

    async def scenario() -> tuple[float, float]:
        alone = await timed(small, "alone")
        slow_job = asyncio.create_task(timed({"frame_urls": slow}, "slow"))
        await asyncio.sleep(1.0)
        behind = await timed(small, "behind")
        await slow_job
        return alone, behind

    alone, behind = asyncio.run(scenario())
    server.close()
    print(f"5-frame base64 job alone: {alone:.1f} s")
    print(f"the same job, 1 s after 64 dripping URLs (FETCH_TIMEOUT_S=5): {behind:.1f} s")


if __name__ == "__main__":
    main()
