"""Stable, readable Terraform names for found objects.

A name comes from the object's own name (its ``Name`` tag, bucket or function name) made
snake_case. Objects of one kind that would share a name all get a suffix taken from their own
ID, so a name never depends on which other objects exist or in what order they were listed:
scanning again gives the same names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from autcloud.scanner.model import Found

_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_LENGTH = 64


def slug(text: str) -> str:
    return _NOT_WORD.sub("_", text.lower()).strip("_")[:MAX_LENGTH].rstrip("_")


def short_kind(kind: str) -> str:
    return kind.removeprefix("aws_")


def _id_suffix(key: str) -> str:
    """The distinctive end of an ID or ARN: ``vpc-0a1b2c3d4e`` → ``2c3d4e``-like tails."""
    tail = re.split(r"[/:]", key.rstrip("/"))[-1]
    word = slug(tail)
    return word[-8:] if len(word) > 8 else word


def assign_names(items: Iterable[Found]) -> dict[str, str]:
    """``{found.key: terraform name}``, unique within each kind."""
    items = list(items)
    by_key = {item.key: item for item in items}
    wanted: dict[str, str] = {}
    for item in items:
        hint = item.name_hint
        for _ in range(3):  # a hint may name another object: a gateway is named after its VPC
            if hint not in by_key or hint == item.key:
                break
            hint = by_key[hint].name_hint
        base = slug(hint) or short_kind(item.kind)
        if base[0].isdigit():
            base = f"{short_kind(item.kind)}_{base}"
        wanted[item.key] = base
    groups: dict[tuple[str, str], list[Found]] = defaultdict(list)
    for item in items:
        groups[(item.kind, wanted[item.key])].append(item)
    names: dict[str, str] = {}
    for (_, base), members in groups.items():
        if len(members) == 1:
            names[members[0].key] = base
            continue
        for member in members:
            names[member.key] = f"{base}_{_id_suffix(member.key)}"
    # A suffix could (rarely) recreate another object's plain name: fall back to the whole ID.
    seen: dict[tuple[str, str], str] = {}
    for item in sorted(items, key=lambda found: found.key):
        name = names[item.key]
        if (item.kind, name) in seen:
            name = f"{wanted[item.key]}_{slug(item.key)}"[: MAX_LENGTH * 2]
            names[item.key] = name
        seen[(item.kind, name)] = item.key
    return names
