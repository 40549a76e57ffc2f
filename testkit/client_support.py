"""Helpers for the client's tests: a frame's description sent alone, and fast client options."""

from __future__ import annotations

import base64

import requests

from frame_client import ClientOptions

# Short pauses so that retries do not slow the tests; the behaviour is the same.
FAST = ClientOptions(poll_interval_s=0.2, http_backoff_s=0.05, job_retry_delay_s=0.0, job_timeout_s=120.0)

_alone: dict[tuple[str, bytes, str | None], str] = {}


def describe_alone(api_url: str, data: bytes, prompt: str | None = None) -> str:
    """The worker's description of `data` sent as the only frame of a job, by raw /run + /status.

    Independent of the client on purpose: this is the reference the client's results must equal.
    """
    key = (api_url, data, prompt)
    if key not in _alone:
        job_input = {"frame_data": [base64.b64encode(data).decode()], "format": "base64"}
        if prompt is not None:
            job_input["prompt"] = prompt
        job = requests.post(f"{api_url}/run", json={"input": job_input}, timeout=30).json()
        answer = requests.post(f"{api_url}/status/{job['id']}", timeout=120).json()
        assert answer["status"] == "COMPLETED", answer
        output = answer["output"]
        assert output["failed_indices"] == [], output
        _alone[key] = output["descriptions"][0]
    return _alone[key]
