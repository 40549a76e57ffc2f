"""`describe_frames(..., scenes=True)` end to end against the real worker behind `--rp_serve_api`.

The frames are the synthetic mixed clip (`testkit/clips.py`) as a 1-fps JPEG folder.
A loopback proxy in front of the real API counts what is sent; every description is checked
against its keyframe described alone by a raw job that does not go through the client.
"""

from __future__ import annotations

import dataclasses

import pytest

from frame_client import describe_frames
from frame_client.scenes import find_video_shots, scene_fields
from testkit.client_proxy import ApiProxy
from testkit.client_support import FAST, describe_alone
from testkit.clips import MIXED

# Room for every frame of the clip, not for a frame padded with a megabyte.
SMALL_PAYLOAD = dataclasses.replace(FAST, max_payload_bytes=1_000_000)


@pytest.fixture
def proxy(api_server):
    proxy = ApiProxy(api_server)
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def clip_frames(tmp_path_factory):
    return MIXED.write_frames(tmp_path_factory.mktemp("mixed"))


@pytest.fixture
def frames(clip_frames, tmp_path):
    """A fresh copy of the clip's first three shots (still, pan, noise), for a test to damage."""
    copies = []
    for path in clip_frames[: sum(shot.seconds for shot in MIXED.shots[:3])]:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    return copies


@pytest.fixture(scope="module")
def scene_run(api_server, clip_frames):
    proxy = ApiProxy(api_server)
    try:
        results = describe_frames(
            clip_frames, endpoint_url=proxy.url, batch_size=4, scenes=True, options=FAST
        )
        return results, proxy.frames_sent()
    finally:
        proxy.close()


def pad(path, size: int = 1_200_000) -> None:
    """Bytes after the JPEG's end: the picture is unchanged, the file is too large for one job."""
    path.write_bytes(path.read_bytes() + b"\0" * size)


def test_every_frame_carries_the_description_of_its_keyframe(scene_run, clip_frames, api_server):
    results, _ = scene_run
    assert len(results) == MIXED.seconds
    assert all(r.ok for r in results)
    for index, result in enumerate(results):
        keyframe = clip_frames[result.keyframe].read_bytes()
        assert result.description == describe_alone(api_server, keyframe), index


def test_one_frame_per_shot_is_sent(scene_run, clip_frames):
    results, sent = scene_run
    shots = find_video_shots(clip_frames)
    assert len(sent) == len(shots) < len(clip_frames)
    assert scene_fields(results)["keyframes"] == [shot.representative for shot in shots]


def test_each_frame_is_answered_from_a_frame_of_its_own_shot(scene_run, clip_frames):
    results, _ = scene_run
    for shot in find_video_shots(clip_frames):
        assert {results[i].keyframe for i in shot.frames} == {shot.representative}


def test_a_representative_that_fails_is_replaced_by_another_frame_of_its_shot(proxy, frames, api_server):
    shot = max(find_video_shots(frames), key=lambda s: len(s.frames))
    pad(frames[shot.representative])
    results = describe_frames(frames, endpoint_url=proxy.url, scenes=True, options=SMALL_PAYLOAD)
    alternate = shot.alternates[0]
    expected = describe_alone(api_server, frames[alternate].read_bytes())
    assert [results[i].description for i in shot.frames] == [expected] * len(shot.frames)
    assert {results[i].keyframe for i in shot.frames} == {alternate}


def test_a_shot_fails_when_its_other_frame_fails_too_and_no_other_shot_does(proxy, frames):
    shot = max(find_video_shots(frames), key=lambda s: len(s.frames))
    pad(frames[shot.representative])
    pad(frames[shot.alternates[0]])
    results = describe_frames(frames, endpoint_url=proxy.url, scenes=True, options=SMALL_PAYLOAD)
    failed = [i for i, r in enumerate(results) if not r.ok]
    assert failed == list(shot.frames)
    assert all(results[i].error.startswith("frame is too large to send") for i in failed)
    assert {results[i].keyframe for i in failed} == {shot.alternates[0]}


def test_a_frame_that_cannot_be_read_fails_on_its_own(proxy, frames):
    frames[10].write_bytes(b"this is not a jpeg")
    results = describe_frames(frames, endpoint_url=proxy.url, scenes=True, options=FAST)
    assert [i for i, r in enumerate(results) if not r.ok] == [10]
    assert results[10].error.startswith("not an image") and results[10].keyframe == 10


def test_the_client_options_reach_the_scene_calls(proxy, clip_frames):
    prompt = "Read any text overlay."
    describe_frames(clip_frames[:6], endpoint_url=proxy.url, prompt=prompt, scenes=True, options=FAST)
    assert [body["prompt"] for body in proxy.job_inputs] == [prompt]


def test_scenes_need_the_endpoint_before_any_work(monkeypatch):
    from frame_client import ConfigError

    monkeypatch.delenv("RUNPOD_VISION_ENDPOINT_ID", raising=False)
    with pytest.raises(ConfigError, match="RUNPOD_VISION_ENDPOINT_ID"):
        describe_frames([b"frame"], scenes=True)
