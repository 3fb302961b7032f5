"""Kubernetes label selectors (``--selector``): which objects one operator shards off.

The syntax is kubectl's: comma-separated requirements, all of which must hold —
``key=value`` (or ``==``), ``key!=value``, ``key in (a,b)``, ``key notin (a,b)``, ``key``
(present) and ``!key`` (absent). ``!=`` and ``notin`` also match objects without the label,
as on the API server. kopf 1.45 has no server-side selector, so every operator still watches
its namespaces and the handlers filter (kopf's ``when=``); the chat inbox applies the same test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# A label key: an optional DNS-subdomain prefix and a name of at most 63 characters.
_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")
_SET = re.compile(r"^(?P<key>\S+)\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)$")
_EQUALITY = re.compile(r"^(?P<key>[^!=\s]+)\s*(?P<op>==|=|!=)\s*(?P<value>\S*)$")
EXAMPLE = "autcloud.io/shard=a"


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # in, notin, exists, absent ("=" is "in" with one value, "!=" is "notin")
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "absent":
            return self.key not in labels
        if self.operator == "in":
            return self.key in labels and labels[self.key] in self.values
        return labels.get(self.key) not in self.values  # notin


@dataclass(frozen=True)
class Selector:
    text: str
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        found = labels or {}
        return all(requirement.matches(found) for requirement in self.requirements)


def parse_selector(text: str) -> Selector:
    """The selector; ValueError naming the requirement and the fix when it is not one."""
    requirements = tuple(_requirement(part.strip()) for part in _split(text))
    if not requirements:
        raise ValueError(f"empty label selector; e.g. {EXAMPLE}")
    return Selector(text.strip(), requirements)


def _split(text: str) -> list[str]:
    """Split on the commas outside parentheses (``a in (x,y),b`` is two requirements)."""
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part for part in parts if part.strip()] if text.strip() else []


def _requirement(part: str) -> Requirement:
    if match := _SET.match(part):
        values = frozenset(value.strip() for value in match["values"].split(","))
        return Requirement(_key(match["key"], part), match["op"], _values(values, part))
    if match := _EQUALITY.match(part):
        values = _values(frozenset({match["value"]}), part)
        return Requirement(
            _key(match["key"], part), "notin" if match["op"] == "!=" else "in", values
        )
    if part.startswith("!"):
        return Requirement(_key(part[1:].strip(), part), "absent")
    return Requirement(_key(part, part), "exists")


def _key(key: str, part: str) -> str:
    if not _KEY.match(key):
        raise ValueError(
            f"{part!r}: {key!r} is not a label key (letters, digits, '-', '_', '.', an optional "
            f"DNS prefix and '/'); e.g. {EXAMPLE}"
        )
    return key


def _values(values: frozenset[str], part: str) -> frozenset[str]:
    for value in values:
        if not _VALUE.match(value):
            raise ValueError(
                f"{part!r}: {value!r} is not a label value (at most 63 letters, digits, '-', "
                f"'_' or '.'); e.g. {EXAMPLE}"
            )
    return values
