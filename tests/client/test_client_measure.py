"""`measure`: the client asks for the kinds given, returns each frame's `measurements`, writes them in
its JSON and keeps them in the resume file. Both clients' agreement is the conformance scenarios'
(`measurements.json`, `measurements_every_kind.json`) and the TypeScript suite's cross-client checks.
"""

from __future__ import annotations

import io
import json

import pytest

from frame_client import ConfigError, describe_frames
from frame_client.jobs import JobAsk, measure_kinds
from frame_client.resume import ResumeFile
from frame_contract.job_input import MEASURE_KINDS
from frame_contract.output import TEXT_TRUNCATED
from testkit.client_support import FAST
from testkit.commands import run_command
from testkit.scripted_endpoint import SCENARIOS, ScriptedEndpoint, frame_bytes, load_scenario, measurements_of
from testkit.text_frames import text_frame

MEASURED = load_scenario(SCENARIOS / "measurements.json")  # f03 fails with measurement_failed


def frame_files(tmp_path, names):
    paths = []
    for index, name in enumerate(names):
        path = tmp_path / f"{index:03d}-{name}.jpg"
        path.write_bytes(frame_bytes(name))
        paths.append(str(path))
    return paths


def test_measure_true_asks_for_every_kind_and_a_list_for_its_kinds_in_the_contracts_order():
    assert measure_kinds(True) == MEASURE_KINDS
    assert measure_kinds(["exposure", "text", "exposure"]) == ("text", "exposure")
    assert measure_kinds(None) == measure_kinds(False) == measure_kinds([]) == ()


def test_a_job_carries_measure_only_when_the_run_measures():
    assert "measure" not in JobAsk().input_fields()
    assert JobAsk(measure=("text", "colour")).input_fields() == {"measure": ["text", "colour"]}


def test_an_unknown_measurement_kind_is_refused_before_any_request():
    with ScriptedEndpoint(MEASURED) as endpoint:
        with pytest.raises(ConfigError, match="measure must be True or a list"):
            describe_frames([frame_bytes("f01")], endpoint_url=endpoint.url, measure=["text", "ocr"])
        assert endpoint.stats.requests == 0


def test_a_rerun_with_the_resume_file_keeps_each_frames_measurements_and_sends_nothing(tmp_path):
    frames = [frame_bytes(name) for name in MEASURED["frames"]]
    journal = tmp_path / "run.jsonl"
    options = dict(measure=["exposure", "text"], options=FAST, resume=journal)
    with ScriptedEndpoint(MEASURED) as first_endpoint:
        first = describe_frames(frames, endpoint_url=first_endpoint.url, **options)
    with ScriptedEndpoint(MEASURED) as endpoint:
        again = describe_frames(frames, endpoint_url=endpoint.url, **options)
        assert endpoint.stats.runs == 0
    assert again == first
    assert first[0].measurements == measurements_of("f01", ("text", "exposure"))
    header = json.loads(journal.read_text().splitlines()[0])
    assert header["measure"] == ["text", "exposure"]


def test_a_resume_file_written_without_measure_is_refused_by_a_run_that_measures(tmp_path):
    journal = tmp_path / "run.jsonl"
    ResumeFile(journal, JobAsk()).close()
    with pytest.raises(ConfigError, match="measure"):
        ResumeFile(journal, JobAsk(measure=("text",)))


def test_the_command_measures_the_kinds_given_as_a_comma_list(tmp_path):
    paths = frame_files(tmp_path, ["f01", "f02"])
    out = tmp_path / "out.json"
    with ScriptedEndpoint(MEASURED) as endpoint:
        flags = ["--endpoint-url", endpoint.url, "--output", str(out), "--no-progress"]
        done = run_command("--measure=colour,text", *paths, *flags)
    assert done.returncode == 0, done.stderr
    measurements = json.loads(out.read_text())["measurements"]
    assert [set(m) for m in measurements] == [{"text", TEXT_TRUNCATED, "colour"}] * 2


def test_the_command_without_measure_writes_no_measurements(tmp_path):
    paths = frame_files(tmp_path, ["f01"])
    with ScriptedEndpoint(MEASURED) as endpoint:
        done = run_command(*paths, "--endpoint-url", endpoint.url, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "measurements" not in json.loads(done.stdout)


def test_measure_before_a_frame_that_is_no_kind_stops_with_exit_status_2_and_says_how(tmp_path):
    paths = frame_files(tmp_path, ["f01"])
    done = run_command("--measure", *paths, "--endpoint-url", "http://127.0.0.1:9", "--no-progress")
    assert done.returncode == 2
    assert "--measure=KINDS" in done.stderr


def test_the_worker_reads_a_frames_text_and_the_client_returns_it_with_the_description(api_server):
    frame = text_frame([("BREAKING NEWS", "banner", 40, (0.08, 0.08))], backdrop="flat", seed=1)
    data = io.BytesIO()
    frame.image.save(data, format="JPEG", quality=95)
    [result] = describe_frames([data.getvalue()], endpoint_url=api_server, measure=["text"], options=FAST)
    assert result.ok, result.error
    assert [line["text"] for line in result.measurements["text"]] == ["BREAKING NEWS"]
