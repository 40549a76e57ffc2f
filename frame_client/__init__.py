"""A client for whole videos: thousands of frames across the endpoint, each description on its own frame.

    from frame_client import describe_frames, to_output

    results = describe_frames(["frames/0001.jpg", "https://cdn.example.com/0002.jpg"])
    output = to_output(results)  # {"descriptions", "failed_indices", "errors", "error_codes", "count"}

Modules: `frames` (inputs to frames, hashing), `jobs` (splitting, payloads), `transport`
(the endpoint's HTTP API), `runner` (one job to its end), `pool` (the rolling pool),
`client` (every frame described), `scenes` (one description per shot, built on `client`),
`api` (the public `describe_frames`, above both), `results` (per frame and per shot),
`resume` (the resume file), `failures` (what is retried), `cli` (`describe-frames`).
With the `scenes` extra: `video` (a video file to frames), `shots` (grouping frames into shots),
`video_analysis` (cuts and camera steps at a video's own rate), `camera` (camera motion),
`shot_list` (the shot list), `otio_timeline` (`--otio`), `contact_sheet` (`--contact-sheet`);
`extra` imports them on demand.
"""

from .api import describe_frames
from .client import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY
from .failures import ClientError, ConfigError, EndpointError, RunInterrupted
from .options import ClientOptions
from .results import Camera, FrameResult, Shot, shots_output, to_output
from .scenes import SceneSettings, scene_fields

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "ClientError",
    "Camera",
    "ClientOptions",
    "ConfigError",
    "EndpointError",
    "FrameResult",
    "RunInterrupted",
    "SceneSettings",
    "Shot",
    "describe_frames",
    "scene_fields",
    "shots_output",
    "to_output",
]
