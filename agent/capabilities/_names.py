"""The names users give their resources, read the same way for every service.

A name is stated right after the service noun: quoted or in parentheses (`SNS topic "user-signups"`,
`bus (game-events)`, `ECR(infer-api)`), after "called"/"named" (`a queue called orders`), bare
when it has a hyphen (`event bus orders-bus`), or in the Korean forms (`orders라는 큐`,
`큐 이름은 orders`, `ECR settlement-batch 리포지토리`). A list after a plural noun names several
(`three SQS queues (welcome-email, analytics, crm-sync)`, `ECR repos — api, worker, web`).
Declares no capability itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import EveryValueParameter

NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9]|[A-Za-z0-9]"
_OPEN, _CLOSE = r"[\"'“‘(「]", r"[\"'”’)」]"
# Words that follow a noun but are never a name.
_STOP = frozenset(
    {
        "and", "or", "for", "in", "on", "of", "to", "with", "that", "which", "the", "a", "an",
        "is", "as", "at", "by", "from", "per", "each", "every", "into", "via",
    }
)  # fmt: skip


def _clean(name: str) -> str | None:
    name = name.strip().strip(".,;:")
    if not name or name.lower() in _STOP or not re.search(r"[A-Za-z]", name):
        return None
    return name


def names_after(text: str, nouns: str, korean_nouns: str = "") -> tuple[str, list[str]] | None:
    """(quote, names) of the first naming of a ``nouns`` (regex alternation) in ``text``."""
    noun = rf"(?:{nouns})"
    ko = rf"(?:{korean_nouns or nouns})"
    item = rf"(?:{NAME})"
    patterns: list[tuple[str, bool]] = [
        # a list: queues (a, b, c) · repos — a, b, c · repos: a, b and c
        (
            rf"\b{noun}s?\s*(?:\(|—|–|:|-\s)\s*({item}(?:\s*,\s*(?:and\s+)?{item})+(?:\s*,?\s*and\s+{item})?)\s*\)?",
            True,
        ),
        (rf"\b{noun}s?\s*(?:called|named)?\s*{_OPEN}\s*({item})\s*{_CLOSE}", False),
        (rf"\b{noun}s?\s+(?:called|named)\s+({item})", False),
        (rf"({item})\s*(?:이라는|라는|이란|란)\s*{ko}", False),
        (rf"{ko}\s*(?:의\s*)?이름(?:은|는|을|를|:)?\s*{_OPEN}?\s*({item})", False),
        (rf"{ko}\s*{_OPEN}\s*({item})\s*{_CLOSE}", False),
        # bare, only with a hyphen (so "queue for orders" names nothing)
        (rf"\b{noun}s?\s+([A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+)(?![A-Za-z0-9_.-])", False),
        (rf"{ko}\s+([A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+)(?![A-Za-z0-9_.-])", False),
    ]
    for pattern, many in patterns:
        match = re.search(pattern, text, re.I)
        if not match:
            continue
        raw = (
            re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", match.group(1)) if many else [match.group(1)]
        )
        names = [n for n in (_clean(r) for r in raw) if n]
        if names:
            return match.group(0).strip(), list(dict.fromkeys(names))
    return None


def name_reader(
    nouns: str, korean_nouns: str = "", *, many: bool = False
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    """A Parameter reader yielding one name (or, with ``many``, the list of names)."""

    def read(text: str) -> Iterator[tuple[str, Any]]:
        found = names_after(text, nouns, korean_nouns)
        if found is None:
            return
        quote, names = found
        yield quote, (names if many else names[0])

    return read


@dataclass(frozen=True)
class NamesParameter(EveryValueParameter):
    """Several names: proven when every one is the ``attribute`` of some resource of ``type``."""

    shown = 3


def identifier(name: str) -> str:
    """A Terraform resource name from a user's name (``crm-sync`` → ``crm_sync``)."""
    ident = re.sub(r"[^a-z0-9_]", "_", name.lower()).strip("_") or "named"
    return ident if ident[0].isalpha() else f"n_{ident}"
