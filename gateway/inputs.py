"""Checks on what a client sends; each problem is a sentence naming the field and the fix."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from autcloud.events import (
    CONVERSATION_TEXT_MAX_CHARS,
    conversation_id_problem,
    conversation_text_problem,
)

MESSAGE_FIELDS = frozenset({"text", "id"})
# ASCII digits only (``\d`` would take any script's digits) and no trailing newline (``$`` would).
_ENTRY_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
# A stream entry ID is two unsigned 64-bit numbers; Redis refuses anything larger.
MAX_ID_PART = 2**64 - 1
# A message becomes an entry of the design's spec.conversation: its text may be as long as the
# CRD allows there (autcloud.events states the CRD's limits once), and never longer.
DEFAULT_MAX_MESSAGE_CHARS = CONVERSATION_TEXT_MAX_CHARS
DEFAULT_MAX_JSON_DEPTH = 32
# The most bytes one character of 'text' can take in a JSON body: an astral character written
# as an escaped surrogate pair, "\ud83d\ude00". The body limit allows that for every character,
# so no valid message is refused for how it was escaped.
_MAX_BYTES_PER_CHAR = 12
_BODY_SLACK_BYTES = 4096  # braces, key names (escaped too), an escaped 64-character id, spaces
# A JSON string (escapes included, possibly unterminated) or one bracket: the depth scan skips
# brackets inside strings.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class InvalidInputError(ValueError):
    """Malformed input; the message says which field and what to send instead."""


@dataclass(frozen=True)
class MessageBody:
    text: str
    id: str | None


def max_body_bytes(max_chars: int) -> int:
    """The body limit for messages of up to ``max_chars`` characters, however escaped."""
    return max_chars * _MAX_BYTES_PER_CHAR + _BODY_SLACK_BYTES


def json_depth_problem(raw: bytes, max_depth: int) -> str | None:
    """A sentence when ``raw`` nests arrays/objects deeper than ``max_depth``, else None.

    Checked before parsing because the standard parser recurses once per level: a body
    nested tens of thousands deep would end in RecursionError (a 500), not a 400.
    """
    depth = 0
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return (
                    f"the body nests arrays or objects deeper than {max_depth} levels: "
                    'send a flat {"text": "...", "id": "optional key"}'
                )
        elif token in (b"]", b"}"):
            depth -= 1
    return None


def parse_message_body(
    raw: bytes, max_chars: int, max_depth: int = DEFAULT_MAX_JSON_DEPTH
) -> MessageBody:
    problem = json_depth_problem(raw, max_depth)
    if problem:
        raise InvalidInputError(problem)
    try:
        body: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # ValueError: also ints past Python's digit cap
        raise InvalidInputError(
            'the body is not JSON: send {"text": "...", "id": "optional key"}'
        ) from exc
    if not isinstance(body, dict):
        raise InvalidInputError(
            'the body must be a JSON object: {"text": "...", "id": "optional key"}'
        )
    unknown = sorted(set(body) - MESSAGE_FIELDS)
    if unknown:
        raise InvalidInputError(f"unknown field {unknown[0]!r}: only 'text' and 'id' are accepted")
    text = body.get("text")
    if not isinstance(text, str):
        raise InvalidInputError("field 'text' is required and must be a string")
    if not text.strip():
        raise InvalidInputError("field 'text' is empty: write the message to send")
    # Decoded characters (code points), as the API server counts maxLength: "é" and "\u00e9",
    # or "😀" and "\ud83d\ude00", count once.
    problem = conversation_text_problem(text, max_chars)
    if problem:
        raise InvalidInputError(problem)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            "field 'text' holds an unpaired UTF-16 surrogate (\\ud800-\\udfff): send valid Unicode"
        ) from exc
    message_id = body.get("id")
    if message_id is not None:
        problem = (
            conversation_id_problem(message_id)
            if isinstance(message_id, str)
            else conversation_id_problem("")
        )
        if problem:
            raise InvalidInputError(problem)
    return MessageBody(text=text, id=message_id)


def _entry_id(value: str) -> str | None:
    """``value`` if it is a stream entry ID Redis accepts (each part fits 64 bits), else None."""
    match = _ENTRY_ID.fullmatch(value)
    if not match or any(int(part) > MAX_ID_PART for part in match.groups()):
        return None
    return value


def parse_resume_point(last_event_id: str | None, since: str | None) -> str | None:
    """Where an event stream starts: after this entry ID; "0-0" = the beginning; None = now.

    ``Last-Event-ID`` (what a reconnecting EventSource sends) wins over ``?since=``.
    """
    if last_event_id is not None:
        value = _entry_id(last_event_id.strip())
        if value is None:
            raise InvalidInputError(
                "header 'Last-Event-ID' must be a stream entry ID like 1700000000000-0, "
                f"each part at most {MAX_ID_PART} (the id: of the last event received)"
            )
        return value
    if since is None or since in ("", "0", "start"):
        return "0-0"
    if since in ("now", "$"):
        return None
    value = _entry_id(since)
    if value is None:
        raise InvalidInputError(
            "query parameter 'since' must be 'start', 'now' or an entry ID like 1700000000000-0, "
            f"each part at most {MAX_ID_PART}"
        )
    return value


def parse_until(until: str | None) -> bool:
    """True when the stream should end after the ``done`` event."""
    if until is None:
        return False
    if until != "done":
        raise InvalidInputError("query parameter 'until' accepts only 'done'")
    return True
