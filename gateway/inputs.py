"""Checks on what a client sends; each problem is a sentence naming the field and the fix."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MESSAGE_FIELDS = frozenset({"text", "id"})
_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class InvalidInputError(ValueError):
    """Malformed input; the message says which field and what to send instead."""


@dataclass(frozen=True)
class MessageBody:
    text: str
    id: str | None


def parse_message_body(raw: bytes, max_chars: int) -> MessageBody:
    try:
        body: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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
    if len(text) > max_chars:
        raise InvalidInputError(f"field 'text' is longer than {max_chars} characters: shorten it")
    message_id = body.get("id")
    if message_id is not None and (
        not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id)
    ):
        raise InvalidInputError(
            "field 'id' must be 1-128 characters of letters, digits, '.', '_', ':' or '-'"
        )
    return MessageBody(text=text, id=message_id)


def parse_resume_point(last_event_id: str | None, since: str | None) -> str | None:
    """Where an event stream starts: after this entry ID; "0-0" = the beginning; None = now.

    ``Last-Event-ID`` (what a reconnecting EventSource sends) wins over ``?since=``.
    """
    if last_event_id is not None:
        value = last_event_id.strip()
        if not _ENTRY_ID.match(value):
            raise InvalidInputError(
                "header 'Last-Event-ID' must be a stream entry ID like 1700000000000-0 "
                "(the id: of the last event received)"
            )
        return value
    if since is None or since in ("", "0", "start"):
        return "0-0"
    if since in ("now", "$"):
        return None
    if not _ENTRY_ID.match(since):
        raise InvalidInputError(
            "query parameter 'since' must be 'start', 'now' or an entry ID like 1700000000000-0"
        )
    return since


def parse_until(until: str | None) -> bool:
    """True when the stream should end after the ``done`` event."""
    if until is None:
        return False
    if until != "done":
        raise InvalidInputError("query parameter 'until' accepts only 'done'")
    return True
