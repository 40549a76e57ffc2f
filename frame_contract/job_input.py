"""The job input: every key a job's `input` may hold, declared once, as data.

    {"frame_urls": ["https://.../0001.jpg", ...]}                  or
    {"frame_data": ["<base64>", ...], "format": "base64"}          and optionally
    "prompt", "max_new_tokens", "detail", "output", "measure"

Pure Python with no dependencies. The worker's parser takes its key set, allowed values and
limits from `JOB_INPUT`; the JSON Schema that clients read is generated from it. A limit or a
default that a deployment sets names its setting (the worker's environment variable); the value
is that worker's. An option (any key but the frame lists) sent as `null` means the same as the
option left out. Rules between keys (one frame list, the one `format` names) are `FRAMES_KEY`.

A later option is one more `InputKey` here, one field of the worker's resolved request, and
the one line of the parser that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

URL, BASE64 = "url", "base64"
TEXT, FIELDS = "text", "fields"
DETAILS = ("high", "low")
# What the worker can measure on a frame beside the model's words (`frame_describer.measure`).
OCR_TEXT, COLOUR, EXPOSURE = "text", "colour", "exposure"
MEASURE_KINDS = (OCR_TEXT, COLOUR, EXPOSURE)


@dataclass(frozen=True)
class InputKey:
    """One key of the job input: its JSON type, what it may hold, what its absence means, and why
    a caller sends it.

    `minimum` is the smallest integer (or the fewest items of an array, the fewest non-blank
    characters of a string); `maximum_setting` names the setting that bounds it the same way from
    above. An absent key means `default`, or the value of `default_setting` when a deployment
    chooses it; with neither, `meaning` says what stands in.
    """

    name: str
    # JSON Schema's type name ("array", "string", "integer"), or the names of the types it may be
    json_type: str | tuple[str, ...]
    meaning: str
    default: str | int | None = None
    default_setting: str | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum_setting: str | None = None


JOB_INPUT: tuple[InputKey, ...] = (
    InputKey(
        "frame_urls",
        "array",
        "The frames as http(s) URLs or data: URIs, in order: one description each. An entry that "
        "is not such a string fails as its own frame, not the job.",
        minimum=1,
        maximum_setting="MAX_FRAMES_PER_JOB",
    ),
    InputKey(
        "frame_data",
        "array",
        "The frames as base64 text or data: URIs, in order, with 'format': 'base64'; instead of "
        "'frame_urls'. An entry that does not decode fails as its own frame, not the job.",
        minimum=1,
        maximum_setting="MAX_FRAMES_PER_JOB",
    ),
    InputKey(
        "format",
        "string",
        "How the frames are sent: 'url' in 'frame_urls', 'base64' in 'frame_data'.",
        default=URL,
        choices=(URL, BASE64),
    ),
    InputKey(
        "prompt",
        "string",
        "The instruction for every frame of the job. Absent: the worker's production prompt. With "
        "'output': 'fields' the fields' instructions follow it (absent: the fields prompt).",
        minimum=1,
        maximum_setting="MAX_PROMPT_CHARS",
    ),
    InputKey(
        "max_new_tokens",
        "integer",
        "The most tokens the model writes per frame; a description it cuts ends at its last whole "
        "sentence. With 'output': 'fields' at least what one complete object needs.",
        default_setting="MAX_NEW_TOKENS",
        minimum=1,
        maximum_setting="MAX_NEW_TOKENS_LIMIT",
    ),
    InputKey(
        "detail",
        "string",
        "How closely the model looks at each frame: its family's own image knob, 'low' for fewer "
        "image tokens. LLaVA-NeXT and LLaVA-OneVision fix it when the worker starts.",
        default_setting="IMAGE_DETAIL",
        choices=DETAILS,
    ),
    InputKey(
        "output",
        "string",
        "'text': one paragraph of prose per frame. 'fields': one JSON object per frame as well "
        "(camera, effects, lighting and colour, composition, text overlays, background), its "
        "prose in 'descriptions'.",
        default=TEXT,
        choices=(TEXT, FIELDS),
    ),
    InputKey(
        "measure",
        ("boolean", "array"),
        "Measurements made on the CPU beside each description, returned in 'measurements': true "
        "for every kind, or a list of them ('text': on-screen text by OCR, 'colour': the palette, "
        "'exposure': the luma histogram's figures); [] for none; false as left out. With 'text' "
        "the model is handed the frame's OCR'd strings, and in 'fields' output its text overlays "
        "are exactly those.",
        default_setting="MEASURE",
        choices=MEASURE_KINDS,
    ),
)

KEYS: dict[str, InputKey] = {key.name: key for key in JOB_INPUT}


def measured_kinds(value: object) -> tuple[str, ...]:
    """The kinds a `measure` of `True` (every kind) or a list names, in `MEASURE_KINDS` order.

    `ValueError` for anything else; its text (", not dict", "; entry 2 is not one of them")
    follows the caller's own "must be ..." and names a wrong entry by its place, never echoing it.
    """
    if value is True:
        return MEASURE_KINDS
    if not isinstance(value, (list, tuple)):
        raise ValueError(f", not {type(value).__name__}")
    for index, kind in enumerate(value):
        if not isinstance(kind, str) or kind not in MEASURE_KINDS:
            raise ValueError(f"; entry {index} is not one of them")
    return tuple(kind for kind in MEASURE_KINDS if kind in value)


# Where each format's frames are: exactly one of these keys, the one its `format` names.
FRAMES_KEY: dict[str, str] = {URL: "frame_urls", BASE64: "frame_data"}
