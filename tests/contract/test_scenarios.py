"""Every conformance scenario (frame_contract/scenarios) reaches its expected result in the Python client.

Each scenario is played by the scripted endpoint (`testkit/scripted_endpoint.py`) in scaled time;
`describe_frames` runs every one, the `describe-frames` command a few. The TypeScript suite runs
the same files and must reach the same results.
"""

from __future__ import annotations

import json

import pytest

from frame_client import ClientOptions, EndpointError, describe_frames
from frame_client.cli import EXIT_ENDPOINT, EXIT_FRAMES_FAILED, EXIT_OK
from frame_client.results import FrameResult
from testkit.commands import run_command
from testkit.scripted_endpoint import ScriptedEndpoint, all_scenarios, frame_bytes, load_scenario

SCENARIOS = {path.stem: load_scenario(path) for path in all_scenarios()}
# Through the command too: one per exit code, fields, measurements (a list, and --measure alone), an outage.
CLI_SCENARIOS = (
    "all_described",
    "non_retryable_frame_code",
    "key_refused",
    "fields_output",
    "measurements",
    "measurements_every_kind",
    "outage_20s",
)


def client_options(scenario: dict) -> ClientOptions:
    client = scenario.get("client", {})
    names = ("outage_s", "job_timeout_s")
    chosen = {name: client[name] for name in names if name in client}
    return ClientOptions(**chosen).scaled(scenario["time_scale"])


def as_expected(result: FrameResult) -> dict:
    """A result in the scenario's terms: a description (and fields, measurements), or a code."""
    if not result.ok:
        return {"code": result.code}
    extra = {"fields": result.fields, "measurements": result.measurements}
    return {"description": result.description, **{key: value for key, value in extra.items() if value}}


def run_library(scenario: dict, url: str) -> tuple[list[FrameResult], int]:
    client = scenario.get("client", {})
    kwargs = {name: client[name] for name in ("batch_size", "concurrency") if name in client}
    frames = [frame_bytes(name) for name in scenario["frames"]]
    output = "fields" if client.get("fields") else "text"
    try:
        results = describe_frames(
            frames,
            endpoint_url=url,
            options=client_options(scenario),
            output=output,
            measure=client.get("measure"),
            **kwargs,
        )
    except EndpointError as err:
        return err.results, EXIT_ENDPOINT
    return results, EXIT_OK if all(r.ok for r in results) else EXIT_FRAMES_FAILED


def check_stats(scenario: dict, endpoint: ScriptedEndpoint) -> None:
    expect = scenario["expect"]
    for name in ("runs", "early_retries"):
        if name in expect:
            assert getattr(endpoint.stats, name) == expect[name], name


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_python_client_reaches_the_scenarios_expected_result(name):
    scenario = SCENARIOS[name]
    with ScriptedEndpoint(scenario) as endpoint:
        results, exit_code = run_library(scenario, endpoint.url)
    assert [as_expected(r) for r in results] == scenario["expect"]["results"]
    assert exit_code == scenario["expect"]["exit_code"]
    check_stats(scenario, endpoint)


@pytest.mark.parametrize("name", CLI_SCENARIOS)
def test_the_command_reaches_the_scenarios_expected_result(name, tmp_path):
    scenario = SCENARIOS[name]
    paths = []
    for index, frame in enumerate(scenario["frames"]):
        path = tmp_path / f"{index:03d}-{frame}.jpg"
        path.write_bytes(frame_bytes(frame))
        paths.append(str(path))
    client = scenario.get("client", {})
    flags = [
        "--no-progress",
        "--time-scale",
        str(scenario["time_scale"]),
        "--output",
        str(tmp_path / "out.json"),
    ]
    for key, flag in (
        ("batch_size", "--batch-size"),
        ("concurrency", "--concurrency"),
        ("outage_s", "--outage-s"),
    ):
        if key in client:
            flags += [flag, str(client[key])]
    if "job_timeout_s" in client:
        flags += ["--job-timeout", str(client["job_timeout_s"])]
    if client.get("fields"):
        flags.append("--fields")
    if client.get("measure") is True:
        flags.append("--measure")
    elif client.get("measure"):
        flags += ["--measure", ",".join(client["measure"])]
    with ScriptedEndpoint(scenario) as endpoint:
        done = run_command(*paths, "--endpoint-url", endpoint.url, *flags)
    assert done.returncode == scenario["expect"]["exit_code"], done.stderr
    output = json.loads((tmp_path / "out.json").read_text())
    assert per_frame(output) == scenario["expect"]["results"]
    check_stats(scenario, endpoint)


def per_frame(output: dict) -> list[dict]:
    """The command's JSON in the scenario's terms."""
    codes = dict(zip(output["failed_indices"], output["error_codes"], strict=True))
    extras = {key: output.get(key) or [None] * output["count"] for key in ("fields", "measurements")}
    return [
        {"code": codes[i]}
        if i in codes
        else {"description": d, **{key: values[i] for key, values in extras.items() if values[i]}}
        for i, d in enumerate(output["descriptions"])
    ]
