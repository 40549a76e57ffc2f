"""The `fields` output mode: one JSON object per frame, its grammar, its parsing and its prose.

Plain Python only: the grammar is llguidance's Lark dialect as text, which `constrained.py`
compiles once when the worker starts. The object always has the same keys in the same
order, and every string is capped in tokens (`max_tokens` on its rule), so a complete object
always fits in `minimum_new_tokens()` new tokens, whatever the model prefers to write.

NOTE: strings allow any character except `"`, `\\` and control characters. llguidance ends a
capped string after its last allowed token even inside an escape sequence, and a cut `\\`
would escape the closing quote. A character that the cap splits in half decodes to U+FFFD,
which still parses, and `parse_fields` drops it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

# (key, token cap) in output order. A cap sits well above what a one-sentence answer needs (in
# Mistral's tokens: 15 for a camera line, 25 for a lighting-and-grade one, 3 to 9 for a font, a
# size or a position), so a value is rarely cut, and low enough that the whole object fits in
# the default MAX_NEW_TOKENS_LIMIT of 512 (LLaVA-NeXT Mistral's tokenizer needs 452).
HEAD_FIELDS: tuple[tuple[str, int], ...] = (
    ("camera", 24),
    ("effects", 32),
    ("lighting_and_colour", 36),
    ("composition", 36),
)
OVERLAYS_KEY = "text_overlays"
TAIL_FIELDS: tuple[tuple[str, int], ...] = (("background", 24),)
OVERLAY_FIELDS: tuple[tuple[str, int], ...] = (("text", 24), ("font", 10), ("size", 8), ("position", 10))
MAX_OVERLAYS = 3

FIELD_KEYS: tuple[str, ...] = (*(k for k, _ in HEAD_FIELDS), OVERLAYS_KEY, *(k for k, _ in TAIL_FIELDS))
OVERLAY_KEYS: tuple[str, ...] = tuple(k for k, _ in OVERLAY_FIELDS)

FIELDS_INSTRUCTIONS = (
    "Answer with one JSON object and nothing else, with exactly these keys:\n"
    '"camera": the camera angle and shot framing (for example a low-angle medium close-up);\n'
    '"effects": visual effects such as smoke, fire, particles, glow, lens flare or blur, or "none";\n'
    '"lighting_and_colour": the lighting and the colour grading;\n'
    '"composition": where the subjects sit in the frame and how the frame is balanced;\n'
    f'"text_overlays": a list of at most {MAX_OVERLAYS} objects, one per visible text overlay, each with '
    '"text" (the exact words), "font" (its style), "size" and "position"; [] when there is no text;\n'
    '"background": what is behind the subject.\n'
    "Each value is one short, specific phrase or sentence. Do not use double quotes inside values."
)
FIELDS_PROMPT = (
    "You are helping a video production team recreate this shot. Describe this video frame. "
    + FIELDS_INSTRUCTIONS
)

# A string body that the cap may cut after any token and still close: no escapes, no controls.
_STRING_BODY = r'/[^"\\\x00-\x1F\x7F]+/'
_VALUE, _CHOICE = "\x00", "\x01"  # placeholders in the skeleton of the longest object
_WHITESPACE = re.compile(r"\s+")
_NONE_LIKE = {"", "none", "no", "n/a", "na", "null", "nothing", "no effects", "no visual effects"}

Part = str | tuple[str, int]  # literal text, or a (key, cap) value


class FieldsError(ValueError):
    """Model output that is not one complete object of the fields schema."""


def fields_prompt(prompt: str | None = None) -> str:
    """The prompt for a fields-mode frame: the default one, or the job's own with the schema after it."""
    if not prompt:
        return FIELDS_PROMPT
    return f"{prompt.rstrip()}\n\n{FIELDS_INSTRUCTIONS}"


def _object_parts(fields: tuple[tuple[str, int], ...], opening: str, closing: str) -> list[Part]:
    """`opening`, `"key": "value"` for each field, then `closing`; each value's closing quote
    belongs to the literal after it, so when a cap ends a value the grammar forces `"` next."""
    parts: list[Part] = []
    for position, (key, cap) in enumerate(fields):
        lead = opening if position == 0 else '", '
        parts += [f'{lead}"{key}": "', (key, cap)]
    return [*parts, f'"{closing}']


_HEAD = _object_parts(HEAD_FIELDS, "{", f', "{OVERLAYS_KEY}": [')
_OVERLAY = _object_parts(OVERLAY_FIELDS, "{", "}")
_TAIL = _object_parts(TAIL_FIELDS, "], ", "}")


def _rule(name: str, parts: list[Part]) -> list[str]:
    body = [json.dumps(p) if isinstance(p, str) else f"{name}_{p[0]}" for p in parts]
    caps = [f"{name}_{p[0]}[max_tokens={p[1]}]: {_STRING_BODY}" for p in parts if not isinstance(p, str)]
    return [f"{name}: {' '.join(body)}", *caps]


def lark_grammar(overlays: Sequence[dict] | None = None) -> str:
    """The llguidance Lark grammar of one fields object, written as compact one-line JSON.

    The only whitespace outside strings is one space after each `:` and `,`, plus one optional
    leading space (sentencepiece models like to start an answer with `▁{`).

    With `overlays`, the grammar of one frame whose text was measured: each `text_overlays`
    entry is one of `overlays` (dicts that give some overlay keys' values; `measure.grounding`
    gives all but `font`), in their order and none twice, and only the keys an overlay does not
    give are generated; `text_overlays` is `[]` when there are no overlays.
    """
    if overlays is None:
        return "\n".join(
            [
                'start: " "? head overlays? tail',
                f'overlays: overlay (", " overlay){{0,{MAX_OVERLAYS - 1}}}',
                *_rule("head", _HEAD),
                *_rule("overlay", _OVERLAY),
                *_rule("tail", _TAIL),
            ]
        )
    choices = _distinct(overlays)
    if not choices:
        return "\n".join(['start: " "? head tail', *_rule("head", _HEAD), *_rule("tail", _TAIL)])
    return "\n".join(
        [
            'start: " "? head overlays? tail',
            f"overlays: {_pick(MAX_OVERLAYS, 0)}",
            *_picks(len(choices)),
            *(line for i, choice in enumerate(choices) for line in _rule(f"line{i}", _grounded(choice))),
            *_rule("head", _HEAD),
            *_rule("tail", _TAIL),
        ]
    )


def _distinct(overlays: Sequence[dict]) -> list[dict]:
    """`overlays` without repeats; each gives string values for some overlay keys, not all."""
    seen, kept = set(), []
    for overlay in overlays:
        if not set(overlay) < set(OVERLAY_KEYS) or not all(isinstance(v, str) for v in overlay.values()):
            raise ValueError(f"a grounded overlay gives strings for some of {OVERLAY_KEYS}, not all")
        key = json.dumps(overlay, sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(overlay)
    return kept


def _grounded(overlay: dict) -> list[Part]:
    """An overlay object's parts with the given values as literal text, the others as values."""
    parts: list[Part] = []
    literal = "{"
    for position, (key, cap) in enumerate(OVERLAY_FIELDS):
        literal += f'{", " if position else ""}"{key}": '
        if key in overlay:
            literal += json.dumps(overlay[key], ensure_ascii=False)
        else:
            parts += [literal + '"', (key, cap)]
            literal = '"'
    return [*parts, literal + "}"]


def _pick(slots: int, first: int) -> str:
    return f"pick{slots}_{first}"


def _picks(count: int) -> list[str]:
    """`pickK_I`: one to K of the lines I.., in order, separated by `, `."""
    rules = []
    for slots in range(1, MAX_OVERLAYS + 1):
        for first in range(count):
            options = [f"line{first}"]
            if slots > 1 and first + 1 < count:
                options.append(f'line{first} ", " {_pick(slots - 1, first + 1)}')
            if first + 1 < count:
                options.append(_pick(slots, first + 1))
            rules.append(f"{_pick(slots, first)}: {' | '.join(options)}")
    return rules


def _skeleton(parts: list[Part]) -> str:
    return "".join(p if isinstance(p, str) else _VALUE for p in parts)


def literal_pieces() -> list[str]:
    """The text outside values of an object with the most overlays, split wherever the model
    chooses what comes next (a value, more overlays or not, a leading space or not)."""
    overlays = f"{_CHOICE}, ".join([_skeleton(_OVERLAY)] * MAX_OVERLAYS)
    return _split(_CHOICE.join([" ", _skeleton(_HEAD), overlays, _skeleton(_TAIL)]))


def minimum_new_tokens(
    literal_tokens: Callable[[str], int] | None = None, overlays: Sequence[dict] | None = None
) -> int:
    """The smallest `max_new_tokens` in which every fields object completes, end token included.

    Every value stops at its cap; the rest is literal text, split into `literal_pieces()`.
    `literal_tokens(piece)` is the most tokens the model can spend on a piece (tokens that start
    in it); without it, one per byte, a bound that holds for any tokenizer and is far too loose
    for a real one (`constrained.py` computes the tight one for its tokenizer). With `overlays`,
    the same for that frame's grammar (`lark_grammar(overlays)`): its costliest overlays.
    """
    count = literal_tokens or (lambda piece: len(piece.encode()))
    if overlays is None:
        caps = [cap for _, cap in HEAD_FIELDS + TAIL_FIELDS + OVERLAY_FIELDS * MAX_OVERLAYS]
        return sum(caps) + sum(count(piece) for piece in literal_pieces()) + 1

    def cost(parts: list[Part]) -> int:
        values = sum(p[1] for p in parts if not isinstance(p, str))
        return values + sum(count(piece) for piece in _split(_skeleton(parts)))

    frame = _CHOICE.join([" ", _skeleton(_HEAD), _skeleton(_TAIL)])
    outer = sum(cap for _, cap in HEAD_FIELDS + TAIL_FIELDS) + sum(count(p) for p in _split(frame))
    costs = sorted((cost(_grounded(overlay)) for overlay in _distinct(overlays)), reverse=True)
    chosen = costs[:MAX_OVERLAYS]
    return outer + sum(chosen) + count(", ") * max(0, len(chosen) - 1) + 1


def _split(skeleton: str) -> list[str]:
    return [piece for piece in re.split(f"[{_VALUE}{_CHOICE}]", skeleton) if piece]


def json_schema(overlays: Sequence[dict] | None = None) -> dict:
    """The JSON Schema of one fields object, for documentation and for clients that validate;
    with `overlays`, of one frame's object (`lark_grammar(overlays)`)."""

    def strings(fields: tuple[tuple[str, int], ...]) -> dict:
        return {key: {"type": "string", "minLength": 1} for key, _ in fields}

    def overlay_schema(given: dict) -> dict:
        properties = {key: {"const": given[key]} if key in given else schema for key, schema in free.items()}
        return {
            "type": "object",
            "properties": properties,
            "required": list(OVERLAY_KEYS),
            "additionalProperties": False,
        }

    free = strings(OVERLAY_FIELDS)
    if overlays is None:
        items, most = overlay_schema({}), MAX_OVERLAYS
    else:
        choices = _distinct(overlays)
        most = min(MAX_OVERLAYS, len(choices))
        items = {"anyOf": [overlay_schema(choice) for choice in choices or [{}]]}  # [{}]: maxItems is 0
    properties = {
        **strings(HEAD_FIELDS),
        OVERLAYS_KEY: {"type": "array", "items": items, "maxItems": most},
        **strings(TAIL_FIELDS),
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(FIELD_KEYS),
        "additionalProperties": False,
    }


def _clean(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise FieldsError(f"{where} is not a string")
    return _WHITESPACE.sub(" ", value.replace("\ufffd", "")).strip()


def _exact_keys(value: object, keys: tuple[str, ...], where: str) -> dict:
    if not isinstance(value, dict):
        raise FieldsError(f"{where} is not an object")
    if set(value) != set(keys):
        missing, extra = sorted(set(keys) - set(value)), sorted(set(value) - set(keys))
        raise FieldsError(f"{where} has missing keys {missing} or unexpected keys {extra}")
    return value


def parse_fields(text: str) -> dict:
    """The fields object in `text`, with exactly the schema's keys and types, strings tidied
    (whitespace collapsed, halves of characters the cap split dropped); `FieldsError` otherwise."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise FieldsError(f"not one complete JSON object: {err.msg} at character {err.pos}") from None
    raw = _exact_keys(raw, FIELD_KEYS, "the output")
    overlays = raw[OVERLAYS_KEY]
    if not isinstance(overlays, list) or len(overlays) > MAX_OVERLAYS:
        raise FieldsError(f"{OVERLAYS_KEY} is not a list of at most {MAX_OVERLAYS} objects")
    parsed_overlays = []
    for index, overlay in enumerate(overlays):
        where = f"{OVERLAYS_KEY}[{index}]"
        overlay = _exact_keys(overlay, OVERLAY_KEYS, where)
        parsed_overlays.append({key: _clean(overlay[key], f"{where}.{key}") for key in OVERLAY_KEYS})
    return {key: parsed_overlays if key == OVERLAYS_KEY else _clean(raw[key], key) for key in FIELD_KEYS}


def _sentence(text: str) -> str:
    """`text` as a sentence: capital first letter, closing punctuation."""
    text = text.strip().rstrip(",;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _is_none(text: str) -> bool:
    return text.strip().strip(".!").lower() in _NONE_LIKE


def _overlay_phrase(overlay: dict) -> str:
    details = [overlay[k] for k in ("font", "size", "position") if not _is_none(overlay[k])]
    quoted = f"\u201c{overlay['text']}\u201d"
    return f"{quoted} ({', '.join(details)})" if details else quoted


def render_prose(fields: dict) -> str:
    """The fields as one paragraph of plain prose, for callers that read `descriptions`.

    One sentence per field that says something, in the order a reader pictures a shot:
    framing, composition, light, effects, background, then the text on screen.
    """
    order = ("camera", "composition", "lighting_and_colour", "effects", "background")
    sentences = [_sentence(fields[key]) for key in order if not _is_none(fields[key])]
    overlays = [o for o in fields[OVERLAYS_KEY] if not _is_none(o["text"])]
    if overlays:
        phrases = [_overlay_phrase(o) for o in overlays]
        listed = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"
        noun = "overlay reads" if len(phrases) == 1 else "overlays read"
        sentences.append(f"Text {noun} {listed}.")
    else:
        sentences.append("There is no text overlay.")
    return " ".join(s for s in sentences if s)
