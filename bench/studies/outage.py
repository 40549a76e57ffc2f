"""What a short outage of the endpoint costs a run: `python -m bench.studies.outage`.

Starts the real worker's local API (`python handler.py --rp_serve_api`) on a tiny random model,
puts the tests' fault proxy (`testkit/client_proxy.py`) in front of it, and describes `--frames`
distinct 854x480 JPEGs through `describe_frames` with the client's default options. As the first
job finishes, the proxy goes down for `--down-s` seconds (17 by default, the outage the issue
measured): it refuses connections and drops every answer, that job's included, while the other
jobs are in flight. Prints one JSON object: frames described and failed (with their codes), jobs
and frames sent, seconds.

`--client-root DIR` takes `frame_client` and `frame_contract` from another checkout, so the
same run measures an older client against the same worker and proxy:

    git worktree add /tmp/before 3b24695
    python -m bench.studies.outage --client-root /tmp/before     # before
    python -m bench.studies.outage                               # after
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from testkit.client_proxy import ApiProxy
from testkit.images import distinct_jpegs
from testkit.tiny_model import build_tiny_model

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.studies.outage", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--down-s", type=float, default=17.0, help="how long the endpoint is down")
    parser.add_argument("--client-root", type=Path, help="checkout whose frame_client to measure")
    args = parser.parse_args(argv)
    if args.client_root is not None:  # before frame_client is imported anywhere
        sys.path.insert(0, str(args.client_root.resolve()))
    from frame_client import describe_frames

    client_root = Path(sys.modules["frame_client"].__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="bench-outage-") as scratch:
        model = build_tiny_model(Path(scratch) / "model")
        with local_api(model, Path(scratch) / "worker.log") as api_url:
            proxy = ApiProxy(api_url)
            proxy.outage_at_status = 1
            proxy.outage_for_s = args.down_s
            frames = distinct_jpegs(args.frames)
            started = time.perf_counter()
            try:
                results = describe_frames(
                    frames,
                    endpoint_url=proxy.url,
                    batch_size=args.batch_size,
                    concurrency=args.concurrency,
                )
            finally:
                seconds = time.perf_counter() - started
                proxy.close()
    failed = [r for r in results if not r.ok]
    print(
        json.dumps(
            {
                "client": f"{client_root} @ {_commit(client_root)}",
                "frames": len(frames),
                "down_s": args.down_s,
                "described": len(frames) - len(failed),
                "failed": len(failed),
                "failed_by_reason": dict(collections.Counter(r.error for r in failed)),
                "jobs_sent": len(proxy.job_inputs),
                "frames_sent": len(proxy.frames_sent()),
                "seconds": round(seconds, 1),
            },
            indent=2,
        )
    )


class local_api:  # noqa: N801 - used as a context manager, like open()
    """`python handler.py --rp_serve_api` on a free loopback port, serving `model`."""

    def __init__(self, model: Path, log_path: Path) -> None:
        self.model, self.log_path = model, log_path

    def __enter__(self) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            **os.environ,
            "MODEL_ID": str(self.model),
            "HF_HUB_OFFLINE": "1",
            "MAX_NEW_TOKENS": "24",
            "MAX_CONCURRENT_JOBS": "8",
            "TOKENIZERS_PARALLELISM": "false",
        }
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        command = [sys.executable, "handler.py", "--rp_serve_api", "--rp_api_host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--rp_api_port", str(port)],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"the worker did not start; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _commit(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
