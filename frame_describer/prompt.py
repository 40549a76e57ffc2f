"""The default production prompt, how a prompt becomes model text, and how output is cleaned."""

from __future__ import annotations

import re

DEFAULT_PROMPT = (
    "You are helping a video production team recreate this shot. Describe this video frame "
    "in 2 to 3 sentences of plain prose. Cover the camera angle and framing; any visual "
    "effects such as smoke, fire, particles, glow or blur; the colour grading and lighting; "
    "the composition; any text overlays with their exact content, font style, size and "
    "position; and the background. Be specific and concrete. Do not use headings, lists or "
    'a "Frame" label.'
)

# Labels the model sometimes puts before the prose despite the prompt.
_LEADING_LABEL = re.compile(r"^\s*(?:\*\*)?(?:frame\s*\d*|description|image)\s*:(?:\*\*)?\s*", re.I)
_WHITESPACE = re.compile(r"\s+")
# A sentence end: . ! or ? (maybe inside closing quotes or brackets) before a space or the end,
# so "1.5" and "#1a1a2e" are not taken for one.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s|$)")


def chat_messages(prompt: str) -> list[dict]:
    """The one-image chat that the processor's template turns into `[INST] <image>\\n… [/INST]`."""
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]


def clean_description(text: str) -> str:
    """Plain one-paragraph prose: no leading label, no line breaks, no surrounding spaces."""
    return _WHITESPACE.sub(" ", _LEADING_LABEL.sub("", text, count=1)).strip()


def drop_unfinished_sentence(text: str) -> str:
    """Text the token limit cut off, up to its last complete sentence (all of it if none is).

    A description that stops mid-word reads as broken when it is pasted into a later prompt;
    a complete shorter one does not.
    """
    ends = list(_SENTENCE_END.finditer(text))
    return text[: ends[-1].end()] if ends else text
