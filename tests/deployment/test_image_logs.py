"""The worker run with the image's environment logs no description, no prompt and no URL query.

The environment is read from the Dockerfile's `ENV` lines; only what cannot hold outside the
image (the model folder, the GPU) is replaced. The job goes through the local API, whose SDK
code path (`rp_job`) is the one a deployed worker runs.
"""

from __future__ import annotations

import re
import shlex

import pytest
import requests

from testkit.images import jpeg
from testkit.local_api import REPO, local_api

PROMPT = "Describe the frame for the secret-prompt-marker-7f3a."
SIGNATURE = "X-Amz-Signature=c2VjcmV0LXNpZ25hdHVyZQ"
# Set by the image for its own filesystem and GPU; the test's values stand in for them.
_NOT_HERE = {"PATH", "VIRTUAL_ENV", "MODEL_ID", "MODEL_REVISION", "BAKED_MODEL_DIR", "DEVICE"}


def image_environment() -> dict[str, str]:
    """Every variable the Dockerfile sets with `ENV`, as the image's processes see it."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    env = {}
    for line in text.splitlines():
        if line.strip().startswith("ENV "):
            for item in shlex.split(line.strip()[4:]):
                name, _, value = item.partition("=")
                env[name] = value
    return env


@pytest.fixture(scope="module")
def image_log(tmp_path_factory, frame_server_session):
    env = {name: value for name, value in image_environment().items() if name not in _NOT_HERE}
    server = frame_server_session
    good = server.add(f"/logged/frame.jpg?{SIGNATURE}", jpeg(size=(64, 36)))
    missing = server.url(f"/logged/missing.jpg?{SIGNATURE}")
    log_path = tmp_path_factory.mktemp("image") / "worker.log"
    with local_api(log_path, DEVICE="cpu", **env) as url:
        body = {"input": {"frame_urls": [good, missing], "prompt": PROMPT}}
        output = requests.post(f"{url}/runsync", json=body, timeout=120).json()["output"]
    return output, log_path.read_text(errors="replace")


def test_the_image_sets_the_runpod_sdk_log_level():
    assert image_environment().get("RUNPOD_DEBUG_LEVEL") == "INFO"


def test_the_image_logs_no_description(image_log):
    output, log = image_log
    assert output["failed_indices"] == [1] and output["descriptions"][0]
    assert output["descriptions"][0] not in log


def test_the_image_logs_no_prompt(image_log):
    assert "secret-prompt-marker" not in image_log[1]


def test_the_image_logs_no_url_query(image_log):
    output, log = image_log
    assert "Signature" not in log and "Signature" not in " ".join(output["errors"])
