"""The requirement ledger: every explicit ask of the user's words, and what became of it.

An :class:`Ask` is read from a message (the offline reader, or later a language model filling
the same schema): the quoted words, their kind, a key naming the concept or parameter and its
normalised value. After planning, each ask becomes a :class:`LedgerEntry`:

- ``honored``: with the evidence (resource address, attribute, value) that honors it;
- ``adjusted``: built differently from the words, with why (a version AWS no longer offers);
- ``unsupported``: not built, with why; nothing the user named is ever silently dropped;
- ``conflict``: two asks that cannot both hold;
- ``superseded``: replaced by a later message of the conversation.

Evidence is found by probing the planned Terraform, and the intent gate probes the rendered
Terraform again (:func:`verify`), so a design that drops an honored ask fails validation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from autcloud.agent.tfparse import TerraformModule, as_number


class AskKind(StrEnum):
    SERVICE = "service"
    WORKLOAD = "workload"
    PARAMETER = "parameter"
    WIRING = "wiring"
    EXPOSURE = "exposure"
    COMPLIANCE = "compliance"
    AVAILABILITY = "availability"
    BUDGET = "budget"
    REGION = "region"


class AskStatus(StrEnum):
    HONORED = "honored"
    ADJUSTED = "adjusted"
    UNSUPPORTED = "unsupported"
    CONFLICT = "conflict"
    SUPERSEDED = "superseded"


Operator = Literal["exists", "==", ">=", "<=", "contains", "absent"]


class Evidence(BaseModel):
    """One place in the Terraform that honors an ask: a resource, or one of its attributes."""

    address: str
    attribute: str | None = None
    op: Operator = "exists"
    value: Any = None


class Ask(BaseModel):
    """One explicit ask, as read from a message."""

    quote: str = Field(description="the user's words, verbatim")
    kind: AskKind
    key: str = Field(
        description="a lexicon concept (service.sqs) or a parameter (kinesis.shard_count)"
    )
    value: Any = None
    negated: bool = False  # asked away: "no database", "DB는 필요 없어"
    source: str = "request"  # request, or conversation[i]


class LedgerEntry(Ask):
    status: AskStatus
    evidence: list[Evidence] = Field(default_factory=list)
    why: str = ""


class Ledger(BaseModel):
    entries: list[LedgerEntry] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in AskStatus}
        for entry in self.entries:
            counts[entry.status.value] += 1
        return counts

    def to_list(self) -> list[dict[str, Any]]:
        return [entry.model_dump(mode="json") for entry in self.entries]


def describe(entry: LedgerEntry) -> str:
    """One line for a person (an entry of design.json): status, the quoted words, and why."""
    why = f" — {entry.why}" if entry.why else ""
    return f'{entry.status.value}: "{entry.quote}" ({entry.key}){why}'


def summary_line(entries: list[LedgerEntry]) -> str:
    """'14 asks: 11 honored, 2 unsupported, 1 conflict' (superseded ones left out)."""
    counts: Counter[AskStatus] = Counter(
        e.status for e in entries if e.status is not AskStatus.SUPERSEDED
    )
    parts = [f"{counts[s]} {s.value}" for s in AskStatus if counts[s]]
    return f"{counts.total()} asks: {', '.join(parts) or 'none'}"


def ledger_json_schema() -> dict[str, Any]:
    """The published schema (docs/ledger.schema.json) that any reader of asks fills."""
    return Ledger.model_json_schema()


# --- probing Terraform ------------------------------------------------------------------------

_VAR = re.compile(r"^\$\{(var|local)\.([a-z_][a-z0-9_]*)\}$")


def resolve(module: TerraformModule, value: Any, depth: int = 0) -> Any:
    """A literal, or the default of the variable / the value of the local it names."""
    if depth < 5 and isinstance(value, str):
        match = _VAR.match(value)
        if match:
            scope, name = match.groups()
            found = (
                module.variables.get(name, {}).get("default")
                if scope == "var"
                else module.locals.get(name)
            )
            return resolve(module, found, depth + 1)
    return value


def attribute_values(module: TerraformModule, body: dict[str, Any], path: str) -> list[Any]:
    """Every value at a dotted path; lists of blocks fan out (any element may hold)."""
    current: list[Any] = [body]
    for part in path.split("."):
        following: list[Any] = []
        for item in current:
            item = resolve(module, item)
            if isinstance(item, list):
                following.extend(
                    resolve(module, sub.get(part))
                    for sub in item
                    if isinstance(sub, dict) and part in sub
                )
            elif isinstance(item, dict) and part in item:
                following.append(resolve(module, item[part]))
        current = following
    return [resolve(module, v) for v in current]


def holds(module: TerraformModule, actual: Any, op: Operator, expected: Any) -> bool:
    actual = resolve(module, actual)
    if op in ("exists", "absent"):
        return True
    if op == "contains":
        if isinstance(actual, list):
            return any(_equal(item, expected) for item in actual)
        return isinstance(actual, str) and str(expected).lower() in actual.lower()
    number, wanted = as_number(actual), as_number(expected)
    if op in (">=", "<=") and number is not None and wanted is not None:
        return number >= wanted if op == ">=" else number <= wanted
    return _equal(actual, expected)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list) and not isinstance(expected, list) and len(actual) == 1:
        actual = actual[0]
    number, wanted = as_number(actual), as_number(expected)
    if number is not None and wanted is not None and not isinstance(expected, bool):
        return number == wanted
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    return bool(actual == expected)


def instances(module: TerraformModule, rtype: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(address, attributes) of every managed resource of a type."""
    for name, body in module.resources.get(rtype, {}).items():
        yield f"{rtype}.{name}", body


def body_of(module: TerraformModule, address: str) -> dict[str, Any] | None:
    """A resource's attributes; ``var.x`` gives the variable's block (its ``default``)."""
    rtype, _, name = address.partition(".")
    if rtype == "var":
        variable = module.variables.get(name)
        return variable if isinstance(variable, dict) else None
    found = module.resources.get(rtype, {}).get(name)
    return found if isinstance(found, dict) else None


def verify(module: TerraformModule, ledger: Ledger) -> Iterator[tuple[LedgerEntry, str]]:
    """Each honored entry whose evidence the Terraform no longer carries, with what is missing."""
    for entry in ledger.entries:
        if entry.status is not AskStatus.HONORED:
            continue
        for evidence in entry.evidence:
            problem = _check(module, evidence)
            if problem:
                yield entry, problem
                break


def _check(module: TerraformModule, evidence: Evidence) -> str:
    if evidence.op == "absent":
        rtype = evidence.address
        matching = [
            address
            for address, body in instances(module, rtype)
            if evidence.attribute is None
            or any(
                holds(module, v, "==", evidence.value)
                for v in attribute_values(module, body, evidence.attribute)
            )
        ]
        return f"{', '.join(matching)} should not exist" if matching else ""
    body = body_of(module, evidence.address)
    if body is None:
        return f"{evidence.address} is not declared"
    if evidence.attribute is None:
        return ""
    values = attribute_values(module, body, evidence.attribute)
    if any(holds(module, v, evidence.op, evidence.value) for v in values):
        return ""
    shown = values[0] if len(values) == 1 else values
    return (
        f"{evidence.address}.{evidence.attribute} is {shown!r}, "
        f"expected {evidence.op} {evidence.value!r}"
    )
