"""`describe_frames(..., output="fields")` and `describe-frames --fields` against a worker that
can give fields (the tiny model with a byte-fallback tokenizer, behind the local API)."""

from __future__ import annotations

import pytest

from frame_client import describe_frames, to_output
from frame_describer.fields import FIELD_KEYS
from testkit.client_support import FAST
from testkit.fields_model import build_fields_model
from testkit.images import distinct_jpegs
from testkit.local_api import local_api


@pytest.fixture(scope="module")
def fields_api(tmp_path_factory):
    folder = build_fields_model(tmp_path_factory.mktemp("fields-model"))
    with local_api(tmp_path_factory.mktemp("fields-api") / "server.log", MODEL_ID=str(folder)) as url:
        yield url


def test_a_fields_run_gives_every_frame_its_object_in_input_order(fields_api):
    frames = distinct_jpegs(3) + [b"not an image"]
    results = describe_frames(frames, endpoint_url=fields_api, output="fields", batch_size=2, options=FAST)
    output = to_output(results, with_fields=True)
    assert output["failed_indices"] == [3] and output["fields"][3] is None
    assert all(list(fields) == list(FIELD_KEYS) for fields in output["fields"][:3])
    assert all(output["descriptions"][:3])


def test_a_text_run_has_no_fields(fields_api):
    results = describe_frames(distinct_jpegs(1), endpoint_url=fields_api, options=FAST)
    assert results[0].fields is None and "fields" not in to_output(results)
