"""What one AWS capability declares: its words, its parameters, what it builds and how it is proven.

A capability module (``agent/capabilities/<name>.py``) defines ``CAPABILITY`` (or
``CAPABILITIES``) with ``declare``: what the capability is (summary, concepts, probes, category,
phase) is data in ``capabilities.yaml``; the module holds its code (builder, parameters, when it
applies). The registry finds the module by itself, so a new AWS service is one new module, its
entry in ``capabilities.yaml`` and its words in each ``agent/lexicon/<language>.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.datafile import load_yaml
from autcloud.agent.ledger import (
    Evidence,
    Operator,
    attribute_values,
    holds,
    instances,
)
from autcloud.agent.patterns import Patterns
from autcloud.agent.requirements import Requirements
from autcloud.agent.tfparse import TerraformModule

# Build order: foundations first, then what others refer to, then what refers to them.
FOUNDATION, DATA, MESSAGING, COMPUTE, INTEGRATION, EDGE, GOVERNANCE = 10, 20, 30, 40, 50, 60, 70
_PHASES = {
    "foundation": FOUNDATION,
    "data": DATA,
    "messaging": MESSAGING,
    "compute": COMPUTE,
    "integration": INTEGRATION,
    "edge": EDGE,
    "governance": GOVERNANCE,
}
_PHASE = re.compile(r"(?P<name>[a-z]+)(?:\s*(?P<sign>[+-])\s*(?P<offset>\d+))?")
_FACTS = Path(__file__).resolve().parent / "capabilities.yaml"
# Reads a message: (the words quoted, the value) for each statement of a parameter.
Reader = Callable[[str], Iterator[tuple[str, Any]]]
# Parameter and its subclasses by class name: the kinds capabilities.yaml may name.
_KINDS: dict[str, type[Parameter]] = {}
_Value = TypeVar("_Value")


@dataclass(frozen=True)
class Probe:
    """A resource type that honors a concept, optionally only with some attribute values."""

    type: str
    where: tuple[tuple[str, Operator, Any], ...] = ()

    def find(self, module: TerraformModule) -> list[Evidence]:
        found: list[Evidence] = []
        for address, body in instances(module, self.type):
            if all(
                any(holds(module, v, op, expected) for v in attribute_values(module, body, path))
                for path, op, expected in self.where
            ):
                if self.where:
                    found.extend(
                        Evidence(address=address, attribute=path, op=op, value=expected)
                        for path, op, expected in self.where
                    )
                else:
                    found.append(Evidence(address=address))
        return found


@dataclass(frozen=True)
class Parameter:
    """A value the user may state, where it lands in Terraform, and how to read it.

    ``read`` returns (quote, value) for each statement in a message; the value is then proven by
    ``attribute`` of a resource of ``type`` with ``op`` (``>=`` for capacities that may round up).
    A subclass proves its value its own way; capabilities.yaml names it as a parameter's ``kind``.
    """

    key: str
    type: str
    attribute: str
    op: Operator
    read: Reader

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = _KINDS.setdefault(cls.__name__, cls)
        if known is not cls:
            raise TypeError(
                f"Parameter kind {cls.__name__} is defined in {cls.__module__} and in "
                f"{known.__module__}: capabilities.yaml names kinds by class name, rename one"
            )

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        return self.first_holding(module, value, instances(module, self.type))

    def first_holding(
        self, module: TerraformModule, value: Any, candidates: Iterable[tuple[str, dict[str, Any]]]
    ) -> list[Evidence]:
        """Evidence from the first candidate (address, body) whose attribute holds the value."""
        for address, body in candidates:
            if any(
                holds(module, v, self.op, value)
                for v in attribute_values(module, body, self.attribute)
            ):
                return [
                    Evidence(address=address, attribute=self.attribute, op=self.op, value=value)
                ]
        return []


_KINDS[Parameter.__name__] = Parameter


def stated(value: Any) -> list[Any]:
    """A parameter's value as a list: several stated values as they are, one as a list of one."""
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class EveryValueParameter(Parameter):
    """Several stated values, proven when every one is: the evidence of each, at most ``shown``.

    ``find_one`` proves one value; by default as ``Parameter`` does (``attribute`` ``op`` value on
    some resource of ``type``), a subclass may prove it its own way.
    """

    shown: ClassVar[int | None] = None

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        evidence: list[Evidence] = []
        for item in stated(value):
            found = self.find_one(module, item)
            if not found:
                return []
            evidence.extend(found)
        return evidence[: self.shown]

    def find_one(self, module: TerraformModule, value: Any) -> list[Evidence]:
        return super().find(module, value)


Builder = Callable[[Blueprint, Context], None]
# What every parameter entry of capabilities.yaml says; any other field is its kind's own.
_PARAMETER_FACTS = {"type", "attribute", "op", "kind"}


@dataclass(frozen=True)
class Capability:
    """One AWS capability.

    ``concepts`` are lexicon keys whose words ask for it; ``probes`` prove it in Terraform (any
    one suffices); ``build`` adds its resources (``None``: the core planner builds it, see
    docs/design-engine.md); ``category`` is its diagram style (for the resource types its probes name).
    """

    key: str
    summary: str
    concepts: tuple[str, ...]
    probes: tuple[Probe, ...]
    category: str
    build: Builder | None = None
    phase: int = INTEGRATION
    parameters: tuple[Parameter, ...] = ()
    requires: tuple[str, ...] = ()  # other capabilities it needs (turned on with it)
    applies: Callable[[Requirements], bool] | None = None

    def wanted(self, req: Requirements) -> bool:
        if self.applies is not None:
            return self.applies(req)
        return self.key in req.services

    def evidence(self, module: TerraformModule) -> list[Evidence]:
        for probe in self.probes:
            found = probe.find(module)
            if found:
                return found[:3]
        return []


def declare(
    key: str,
    *,
    build: Builder | None = None,
    readers: Mapping[str, Reader] | None = None,
    applies: Callable[[Requirements], bool] | None = None,
) -> Capability:
    """The capability ``key``: its facts from capabilities.yaml, its code from the calling module.

    ``readers`` reads each parameter that capabilities.yaml lists for it.
    """
    entry = _facts().get(key)
    if entry is None:
        raise KeyError(f"capability {key!r} has no entry in {_FACTS.name}: add one")
    return Capability(
        key=key,
        summary=entry["summary"],
        concepts=tuple(entry.get("concepts", ())),
        probes=tuple(_probe(p) for p in entry["probes"]),
        category=entry["category"],
        build=build,
        phase=_phase(key, entry["phase"]),
        parameters=_parameters(key, entry.get("parameters", {}), readers or {}),
        requires=tuple(entry.get("requires", ())),
        applies=applies,
    )


def _parameters(
    key: str,
    listed: Mapping[str, dict[str, Any]],
    readers: Mapping[str, Reader],
) -> tuple[Parameter, ...]:
    """The parameters capabilities.yaml lists for ``key``, each with its reader from the module."""
    unlisted = sorted(set(readers) - set(listed))
    if unlisted:
        raise KeyError(
            f"{_FACTS.name}: {key}.parameters has no entry for {', '.join(unlisted)}: add one"
        )
    built: list[Parameter] = []
    for name, fact in listed.items():
        if name not in readers:
            raise KeyError(
                f"capability {key!r}: parameter {name!r} has no reader: pass one in readers="
            )
        kind = _KINDS.get(fact.get("kind", "Parameter"))
        if kind is None:
            raise KeyError(
                f"{_FACTS.name}: {key}.parameters.{name} is of kind {fact['kind']!r}, which no "
                "module defines: name a Parameter subclass"
            )
        own = {field: value for field, value in fact.items() if field not in _PARAMETER_FACTS}
        built.append(kind(name, fact["type"], fact["attribute"], fact["op"], readers[name], **own))
    return tuple(built)


@cache
def _facts() -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = load_yaml(_FACTS)
    return facts


def _probe(entry: str | dict[str, Any]) -> Probe:
    if isinstance(entry, str):
        return Probe(entry)
    where = tuple((path, op, value) for path, op, value in entry.get("where", ()))
    return Probe(entry["type"], where)


def _phase(key: str, value: int | str) -> int:
    if isinstance(value, int):
        return value
    match = _PHASE.fullmatch(value.strip())
    if match is None or match["name"] not in _PHASES:
        raise ValueError(
            f"{_FACTS.name}: {key}.phase is {value!r}: write one of {', '.join(_PHASES)}, "
            "optionally followed by + or - a number, or a number"
        )
    offset = int(match["offset"] or 0)
    return _PHASES[match["name"]] + (-offset if match["sign"] == "-" else offset)


@dataclass
class Unsupported:
    """An AWS service or product the engine does not build, and what to do instead."""

    key: str
    name: str
    why: str


def reader(pattern: re.Pattern[str], value: Callable[[re.Match[str]], Any]) -> Reader:
    """A parameter reader from one regular expression and a function of its match.

    The pattern carries its own flags (``flags:`` of its entry in ``agent/patterns/<module>.yaml``).
    """

    def read(text: str) -> Iterator[tuple[str, Any]]:
        for match in pattern.finditer(text):
            result = value(match)
            if result is not None:
                yield match.group(0).strip(), result

    return read


def only_about(subject: re.Pattern[str], read: Reader) -> Reader:
    """A reader that reads only a message naming its subject (a regular expression): a word such
    as "namespace" or "memory" belongs to a service only when the message is about it."""

    def guarded(text: str) -> Iterator[tuple[str, Any]]:
        if subject.search(text):
            yield from read(text)

    return guarded


def named(
    patterns: Patterns, table: Mapping[str, _Value], text: str
) -> Iterator[tuple[str, _Value]]:
    """(the words quoted, the value) for each key of ``table`` whose pattern occurs in ``text``,
    in the table's order; ``table`` maps a key of ``patterns`` to the value its words name."""
    for key, value in table.items():
        match = patterns[key].search(text)
        if match:
            yield match.group(0).strip(), value


def named_reader(patterns: Patterns, table: Mapping[str, Any], *, first: bool = False) -> Reader:
    """A parameter reader of ``named``: every value a message names, or with ``first`` only the
    first one in the table's order (the table is then tried most specific first)."""

    def read(text: str) -> Iterator[tuple[str, Any]]:
        found = named(patterns, table, text)
        yield from islice(found, 1) if first else found

    return read


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences_naming(subject: re.Pattern[str], text: str) -> Iterator[str]:
    """Each sentence of a message (ended by . ! ? or a line break) in which ``subject`` occurs."""
    for sentence in _SENTENCE_BREAK.split(text):
        if subject.search(sentence):
            yield sentence


@dataclass
class Registry:
    capabilities: list[Capability] = field(default_factory=list)
    unsupported: dict[str, Unsupported] = field(default_factory=dict)

    def by_concept(self, concept: str) -> Capability | None:
        return next((c for c in self.capabilities if concept in c.concepts), None)

    def get(self, key: str) -> Capability | None:
        return next((c for c in self.capabilities if c.key == key), None)

    def parameter(self, key: str) -> tuple[Capability, Parameter] | None:
        for capability in self.capabilities:
            for parameter in capability.parameters:
                if parameter.key == key:
                    return capability, parameter
        return None

    def buildable(self) -> list[Capability]:
        return sorted(
            (c for c in self.capabilities if c.build is not None), key=lambda c: (c.phase, c.key)
        )
