"""Whatever shape the input JSON has, the handler answers with the contract or one error string.

Property-based: hypothesis builds inputs from arbitrary JSON and from near-valid jobs whose
frame entries mix good frames, hostile ones and junk. Generated text never names a host, so
the only URLs ever fetched are the loopback frame server's.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frame_contract.codes import WORKER_CODES
from testkit.images import b64, data_uri, encode, frame, jpeg

OUTPUT_KEYS = {"descriptions", "failed_indices", "errors", "error_codes", "count"}
SMALL_JPEG = jpeg(size=(48, 27))
GOOD_DATA_URI = data_uri(SMALL_JPEG)
GOOD_BASE64 = b64(encode(frame(size=(40, 30)), "PNG"))
# Modest example counts: the whole suite has to stay quick on two CPU cores.
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
# Every example of these runs the tiny model on its good frames.
GENERATING_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=20)

# No generated text may reach the network: nothing that could be read as an http(s) URL.
safe_text = st.text(max_size=24).filter(lambda s: "http" not in s.lower() and "//" not in s)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | safe_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(safe_text, inner, max_size=4),
    max_leaves=10,
)


def frame_entries(server_urls: dict[str, str]):
    """Good frames, hostile sources and junk, as a caller might put them in a frame list."""
    return st.one_of(
        st.sampled_from([GOOD_DATA_URI, GOOD_BASE64, server_urls["good"]]),
        st.sampled_from([server_urls["missing"], server_urls["html"], server_urls["truncated"]]),
        st.sampled_from(
            ["", " ", "file:///etc/passwd", "ftp://127.0.0.1/x", "data:,", "data:image/png;base64,@@"]
        ),
        safe_text,
        st.builds(lambda s: "data:image/jpeg;base64," + s, safe_text),
        st.text(alphabet="ABCDxyz0189+/=\n ", max_size=40),
        json_values,
    )


def well_formed_jobs(server_urls: dict[str, str]):
    """Jobs that pass as a whole, so every frame entry is fetched, decoded and described."""
    frames = st.lists(frame_entries(server_urls), min_size=1, max_size=4)
    options = {"prompt": safe_text.filter(str.strip), "max_new_tokens": st.integers(1, 12)}
    url_jobs = st.fixed_dictionaries({"frame_urls": frames}, optional={"format": st.just("url"), **options})
    base64_jobs = st.fixed_dictionaries({"frame_data": frames, "format": st.just("base64")}, optional=options)
    return url_jobs | base64_jobs


def any_inputs(server_urls: dict[str, str]):
    """Arbitrary JSON, and objects with the right keys holding anything."""
    frames = st.lists(frame_entries(server_urls), max_size=5)
    near_valid = st.fixed_dictionaries(
        {},
        optional={
            "frame_urls": frames | json_values,
            "frame_data": frames | json_values,
            "format": st.sampled_from(["url", "base64", "URL", ""]) | json_values,
            "prompt": safe_text | json_values,
            "max_new_tokens": st.integers(-2, 12) | json_values,
            "frame_url": json_values,  # a typo a caller could make
        },
    )
    return near_valid | json_values


def assert_contract(job_input, output, good_url: str) -> None:
    assert isinstance(output, dict)
    if "error" in output:
        assert set(output) == {"error"}
        assert isinstance(output["error"], str) and output["error"]
        return
    assert set(output) == OUTPUT_KEYS  # a healthy worker never asks to be replaced
    if "frame_data" in job_input:
        frames, good_entries = job_input["frame_data"], {GOOD_DATA_URI, GOOD_BASE64}
    else:
        frames, good_entries = job_input["frame_urls"], {GOOD_DATA_URI, good_url}
    descriptions, failed = output["descriptions"], output["failed_indices"]
    assert output["count"] == len(frames) == len(descriptions)
    assert failed == sorted(set(failed))
    assert len(output["errors"]) == len(output["error_codes"]) == len(failed)
    assert all(isinstance(e, str) and e for e in output["errors"])
    assert set(output["error_codes"]) <= set(WORKER_CODES)
    for index, (entry, text) in enumerate(zip(frames, descriptions, strict=True)):
        assert isinstance(text, str)
        assert (index in failed) == (text == "")
        if isinstance(entry, str) and entry in good_entries:
            assert index not in failed, (entry[:40], output)


def serve_frames(server) -> dict[str, str]:
    return {
        "good": server.add("/good.jpg", SMALL_JPEG),
        "missing": server.url("/missing.jpg"),
        "html": server.add("/error.jpg", b"<html>upstream timed out</html>"),
        "truncated": server.add("/cut.jpg", SMALL_JPEG[:300]),
    }


def run(handler_module, job_input) -> dict:
    return asyncio.run(handler_module.handler({"id": "property", "input": job_input}))


def test_every_frame_of_a_well_formed_job_gets_exactly_one_outcome(handler_module, frame_server_session):
    server_urls = serve_frames(frame_server_session)

    @GENERATING_SETTINGS
    @given(job_input=well_formed_jobs(server_urls))
    def check(job_input):
        output = run(handler_module, job_input)
        assert "error" not in output, output
        assert_contract(job_input, output, server_urls["good"])

    check()


def test_any_json_value_as_input_gets_the_contract_or_one_error_string(handler_module, frame_server_session):
    server_urls = serve_frames(frame_server_session)

    @PROPERTY_SETTINGS
    @given(job_input=any_inputs(server_urls))
    def check(job_input):
        assert_contract(job_input, run(handler_module, job_input), server_urls["good"])

    check()


def test_a_job_object_of_any_shape_never_makes_the_handler_raise(handler_module):
    @PROPERTY_SETTINGS
    @given(job=json_values | st.fixed_dictionaries({"id": safe_text}, optional={"input": json_values}))
    def check(job):
        output = asyncio.run(handler_module.handler(job))
        assert isinstance(output, dict) and ("error" in output or set(output) >= OUTPUT_KEYS)

    check()
