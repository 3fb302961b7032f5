"""The fact checker of the fidelity suite (see eval/README.md for the forms it implements).

A fact is one mapping of a request file's ``facts`` list. :func:`validate_fact` rejects an
unknown form or ``where`` syntax before anything is designed; :func:`check_fact` then holds it
against a parsed Terraform module and the design document, returning ``(ok, detail)`` where the
detail explains a miss in one line. :func:`unsupported_reported` checks an ``unsupported`` ask
against the requirements ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autcloud.agent.tfparse import TerraformModule, as_number

CLASSES = ("service", "parameter", "wiring", "exposure", "region", "compliance", "budget")
FORMS = (
    "region",
    "resource",
    "absent",
    "count",
    "link",
    "no_open_ingress",
    "value_anywhere",
    "cost_at_most_usd",
    "any_of",
)
LEDGER_STATUSES = ("honored", "adjusted", "unsupported", "conflict")
OPEN_CIDRS = ("0.0.0.0/0", "::/0")
MAX_HOPS = 10  # how many var/local references one value may go through

Result = tuple[bool, str]


class FactSyntaxError(ValueError):
    """A fact that does not follow the README; ``field`` is the path of the offending key."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


# ---------------------------------------------------------------------------------------------
# `where` conditions.

_COMPARISON = re.compile(r"^(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_OPERATOR_LIKE = re.compile(r"^(>=|<=|==|!=|=|>|<)")
_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Condition:
    """One ``where`` entry: an attribute path and what its value must be."""

    path: tuple[str, ...]
    kind: str  # "equal" | "compare" | "regex" | "contains"
    expected: Any = None
    operator: str = ""
    number: float = 0.0
    pattern: re.Pattern[str] | None = None

    @property
    def key(self) -> str:
        return ".".join(self.path)

    def describe(self) -> str:
        if self.kind == "compare":
            return f"{self.key} {self.operator} {_number_text(self.number)}"
        if self.kind == "regex":
            assert self.pattern is not None
            return f"{self.key} ~ /{self.pattern.pattern}/"
        if self.kind == "contains":
            return f"{self.key} contains {_show(list(self.expected))}"
        return f"{self.key} = {_show(self.expected)}"


def parse_where(where: object, field: str = "where") -> list[Condition]:
    """The conditions of a ``where`` mapping; :class:`FactSyntaxError` on anything unknown."""
    if not isinstance(where, Mapping):
        raise FactSyntaxError(field, f"must be a mapping of attribute paths, got {_kind(where)}")
    conditions = []
    for key, expected in where.items():
        here = f"{field}.{key}"
        if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
            raise FactSyntaxError(here, f"bad attribute path {key!r}")
        conditions.append(_parse_condition(tuple(key.split(".")), expected, here))
    if not conditions:
        raise FactSyntaxError(field, "is empty")
    return conditions


def _parse_condition(path: tuple[str, ...], expected: object, field: str) -> Condition:
    if isinstance(expected, list):
        if not expected:
            raise FactSyntaxError(field, "an empty list checks nothing")
        for index, item in enumerate(expected):
            if not isinstance(item, _SCALARS):
                raise FactSyntaxError(
                    f"{field}[{index}]", f"list items must be scalars, got {_kind(item)}"
                )
        return Condition(path, "contains", expected=tuple(expected))
    if isinstance(expected, str):
        text = expected.strip()
        if text.startswith("~"):
            source = text[1:].strip()
            if not source:
                raise FactSyntaxError(field, "'~' needs a regular expression after it")
            try:
                pattern = re.compile(source, re.IGNORECASE)
            except re.error as error:
                raise FactSyntaxError(
                    field, f"bad regular expression {source!r}: {error}"
                ) from None
            return Condition(path, "regex", pattern=pattern)
        if _OPERATOR_LIKE.match(text):
            match = _COMPARISON.match(text)
            if match is None:
                raise FactSyntaxError(
                    field,
                    f"unknown condition {expected!r} (use '>= N', '<= N', '> N', '< N' or '== N')",
                )
            return Condition(path, "compare", operator=match[1], number=float(match[2]))
        return Condition(path, "equal", expected=expected)
    if isinstance(expected, _SCALARS):
        return Condition(path, "equal", expected=expected)
    raise FactSyntaxError(field, f"unknown condition of type {_kind(expected)}")


# ---------------------------------------------------------------------------------------------
# Validation of a fact.


def validate_fact(fact: object, field: str = "fact", *, nested: bool = False) -> None:
    """Raise :class:`FactSyntaxError` unless ``fact`` is one of the README's forms."""
    if not isinstance(fact, Mapping):
        raise FactSyntaxError(field, f"must be a mapping, got {_kind(fact)}")
    forms = [key for key in fact if key in FORMS]
    unknown = [key for key in fact if key not in FORMS and key not in ("class", "says", "where")]
    if unknown:
        raise FactSyntaxError(f"{field}.{unknown[0]}", f"unknown fact form or key {unknown[0]!r}")
    if not forms:
        raise FactSyntaxError(field, f"has no fact form (one of {', '.join(FORMS)})")
    if len(forms) > 1:
        raise FactSyntaxError(field, f"has several fact forms ({', '.join(forms)}); use any_of")
    if not nested or "class" in fact:
        klass = fact.get("class")
        if klass not in CLASSES:
            raise FactSyntaxError(f"{field}.class", f"{klass!r} is not one of {', '.join(CLASSES)}")
    if not nested or "says" in fact:
        says = fact.get("says")
        if isinstance(says, int | float) and not isinstance(says, bool):
            says = str(says)  # `says: 800` in YAML is still the user's words
        if not isinstance(says, str) or not says.strip():
            raise FactSyntaxError(f"{field}.says", "must be the user's words (a non-empty string)")
    form = forms[0]
    value = fact[form]
    here = f"{field}.{form}"
    if "where" in fact and form not in ("resource", "absent"):
        raise FactSyntaxError(f"{field}.where", f"'where' goes with resource or absent, not {form}")
    if form in ("region", "resource", "absent", "value_anywhere"):
        if not isinstance(value, str) or not value.strip():
            raise FactSyntaxError(here, "must be a non-empty string")
        if form in ("resource", "absent"):
            _check_type_name(value, here)
            if "where" in fact:
                parse_where(fact["where"], f"{field}.where")
    elif form == "count":
        _validate_count(value, here)
    elif form == "link":
        if not isinstance(value, list) or len(value) != 2:
            raise FactSyntaxError(here, "must be a list of two resource types")
        for index, item in enumerate(value):
            _check_type_name(item, f"{here}[{index}]")
    elif form == "no_open_ingress":
        if value is not True:
            raise FactSyntaxError(here, "must be true")
    elif form == "cost_at_most_usd":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise FactSyntaxError(here, "must be a non-negative number of US dollars")
    elif form == "any_of":
        if not isinstance(value, list) or not value:
            raise FactSyntaxError(here, "must be a non-empty list of facts")
        for index, item in enumerate(value):
            validate_fact(item, f"{here}[{index}]", nested=True)


def _validate_count(value: object, field: str) -> None:
    if not isinstance(value, Mapping):
        raise FactSyntaxError(field, "must be a mapping with resource, optional where, min, max")
    unknown = [key for key in value if key not in ("resource", "where", "min", "max")]
    if unknown:
        raise FactSyntaxError(f"{field}.{unknown[0]}", f"unknown key {unknown[0]!r}")
    if "resource" not in value:
        raise FactSyntaxError(f"{field}.resource", "is missing")
    _check_type_name(value["resource"], f"{field}.resource")
    if "where" in value:
        parse_where(value["where"], f"{field}.where")
    if "min" not in value and "max" not in value:
        raise FactSyntaxError(field, "needs min, max or both")
    for bound in ("min", "max"):
        if bound in value:
            number = value[bound]
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise FactSyntaxError(f"{field}.{bound}", "must be a non-negative integer")
    if "min" in value and "max" in value and value["min"] > value["max"]:
        raise FactSyntaxError(field, f"min {value['min']} is above max {value['max']}")


def _check_type_name(value: object, field: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9]*_[a-z0-9_]+", value):
        raise FactSyntaxError(field, f"{value!r} is not a Terraform resource type")


# ---------------------------------------------------------------------------------------------
# Resolution of var./local. references.

_WHOLE_REFERENCE = re.compile(r"^\$\{\s*(var|local|each)\.([A-Za-z_][\w-]*)\s*\}$")
_EMBEDDED_REFERENCE = re.compile(r"\$\{\s*(var|local|each)\.([A-Za-z_][\w-]*)\s*\}")
_BARE_REFERENCE = re.compile(r"(?<![\w.])(var|local)\.([A-Za-z_][\w]*)")
_CONDITIONAL = re.compile(r"^([^?:]+)\?([^?:]+):([^?:]+)$")
_WRAPPED = re.compile(r"^\$\{\s*(.*?)\s*\}$", re.DOTALL)
_CALL = re.compile(r"^(toset|tolist|tomap|keys|values|distinct|nonsensitive)\((.*)\)$", re.DOTALL)
_LENGTH = re.compile(r"^length\((.*)\)$", re.DOTALL)
_SLICE = re.compile(r"^slice\((.*)\)$", re.DOTALL)
_NAMED = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")
_RESOURCE_REFERENCE = re.compile(r"(?<![\w.\-])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")
_MISSING = object()


class Resolver:
    """Replaces ``${var.x}`` and ``${local.x}`` with their values, through at most MAX_HOPS.

    A resolver bound to one instance of a ``for_each`` resource also replaces ``${each.key}``
    and ``${each.value}``.
    """

    def __init__(self, module: TerraformModule, each: Mapping[str, Any] | None = None) -> None:
        self.module = module
        self.each = dict(each or {})

    def bound(self, key: object, value: object) -> Resolver:
        return Resolver(self.module, {"key": key, "value": value})

    def lookup(self, kind: str, name: str) -> object:
        if kind == "var":
            variable = self.module.variables.get(name)
            if isinstance(variable, Mapping) and "default" in variable:
                return variable["default"]
            return _MISSING
        if kind == "each":
            return self.each.get(name, _MISSING)
        return self.module.locals.get(name, _MISSING)

    def resolve(self, value: Any, hops: int = 0) -> Any:
        if isinstance(value, str):
            return self._resolve_text(value, hops)
        if isinstance(value, list):
            return [self.resolve(item, hops) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item, hops) for key, item in value.items()}
        return value

    def _resolve_text(self, text: str, hops: int) -> Any:
        if "${" not in text or hops >= MAX_HOPS:
            return text
        whole = _WHOLE_REFERENCE.match(text)
        if whole is not None:
            target = self.lookup(whole[1], whole[2])
            return text if target is _MISSING else self.resolve(target, hops + 1)

        def substitute(match: re.Match[str]) -> str:
            target = self.lookup(match[1], match[2])
            if target is _MISSING:
                return match[0]
            resolved = self.resolve(target, hops + 1)
            if isinstance(resolved, bool):
                return "true" if resolved else "false"
            if isinstance(resolved, str | int | float):
                return str(resolved)
            return match[0]

        text = _EMBEDDED_REFERENCE.sub(substitute, text)
        # Inside an expression (``${jsonencode({image = var.image})}``) references are bare.
        return _BARE_REFERENCE.sub(substitute, text) if "${" in text else text

    def collection(self, value: Any, hops: int = 0) -> Any:
        """The list or map ``value`` stands for, else the bare expression it comes down to.

        Follows var./local. references and toset()/tolist()/keys()/... wrappers and reads list
        and map literals; None when it stands for something else.
        """
        value = self.resolve(value)
        if isinstance(value, list | dict):
            return value
        if not isinstance(value, str) or hops >= MAX_HOPS:
            return None
        text = value.strip()
        wrapped = _WRAPPED.match(text)
        if wrapped is not None:
            text = wrapped[1].strip()
        call = _CALL.match(text)
        if call is not None:
            return self.collection(call[2].strip(), hops + 1)
        named = _NAMED.match(text)
        if named is not None:
            target = self.lookup(named[1], named[2])
            return None if target is _MISSING else self.collection(target, hops + 1)
        if text.startswith(("[", "{")):
            try:
                literal = json.loads(text)
            except ValueError:
                return None
            return literal if isinstance(literal, list | dict) else None
        return text

    def items(self, value: Any) -> list[tuple[Any, Any]] | None:
        """The (each.key, each.value) pairs of a for_each over ``value``, or None when unknown."""
        found = self.collection(value)
        if isinstance(found, dict):
            return list(found.items())
        if isinstance(found, list):
            unique: dict[str, Any] = {}
            for item in found:  # a set of strings: each.key and each.value are the item
                unique.setdefault(json.dumps(item, sort_keys=True, default=str), item)
            return [(item, item) for item in unique.values()]
        return None

    def length(self, value: Any) -> int | None:
        """How many items ``value`` stands for (``slice(X, a, b)`` has b - a), or None."""
        found = self.collection(value)
        if isinstance(found, list | dict):
            return len(found)
        if isinstance(found, str):
            sliced = _SLICE.match(found)
            if sliced is not None:
                arguments = _arguments(sliced[1])
                if len(arguments) == 3:
                    low, high = self.number(arguments[1]), self.number(arguments[2])
                    if low is not None and high is not None and high >= low:
                        return int(high - low)
        return None

    def count(self, value: Any) -> int | None:
        """The number a ``count`` meta-argument stands for, or None when unknown."""
        resolved = self.resolve(value)
        number = as_number(resolved)
        if number is not None:
            return int(number) if number >= 0 and number == int(number) else None
        if not isinstance(resolved, str):
            return None
        wrapped = _WRAPPED.match(resolved.strip())
        text = (wrapped[1] if wrapped is not None else resolved).strip()
        conditional = _CONDITIONAL.match(text)
        if conditional is not None:
            test = self.truth(conditional[1])
            if test is None:
                return None
            return self.count("${" + conditional[2 if test else 3].strip() + "}")
        length = _LENGTH.match(text)
        if length is not None:
            return self.length(length[1].strip())
        named = self.number(text)
        return int(named) if named is not None and named >= 0 and named == int(named) else None

    def truth(self, expression: str) -> bool | None:
        """The boolean a bare ``var.x`` / ``local.x`` / ``true`` stands for, or None."""
        text = expression.strip()
        named = _NAMED.match(text)
        value: object = text
        if named is not None:
            target = self.lookup(named[1], named[2])
            value = None if target is _MISSING else self.resolve(target)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
            return value.strip().casefold() == "true"
        return None

    def number(self, expression: str) -> float | None:
        """The number a bare expression (``3``, ``var.n``, ``local.n``) stands for."""
        text = expression.strip()
        named = _NAMED.match(text)
        if named is not None:
            target = self.lookup(named[1], named[2])
            return None if target is _MISSING else as_number(self.resolve(target))
        return as_number(text)


def _arguments(text: str) -> list[str]:
    """The top-level comma-separated arguments of a function call's inside."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


# ---------------------------------------------------------------------------------------------
# Comparison of values.


def values_equal(actual: object, expected: object) -> bool:
    """Equality after resolution: numbers numerically, strings case-insensitively."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _bool_text(actual) == _bool_text(expected)
    expected_number, actual_number = as_number(expected), as_number(actual)
    if expected_number is not None and actual_number is not None:
        return expected_number == actual_number
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if isinstance(actual, list | dict) or isinstance(expected, list | dict):
        return False
    return str(actual).casefold() == str(expected).casefold()


def _bool_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


def condition_holds(condition: Condition, actual: object) -> bool:
    if condition.kind == "equal":
        return values_equal(actual, condition.expected)
    if condition.kind == "compare":
        number = as_number(actual)
        if number is None:
            return False
        return {
            ">=": number >= condition.number,
            "<=": number <= condition.number,
            ">": number > condition.number,
            "<": number < condition.number,
            "==": number == condition.number,
        }[condition.operator]
    if condition.kind == "regex":
        assert condition.pattern is not None
        return any(condition.pattern.search(text) for text in _search_texts(actual))
    if condition.kind == "contains":
        if not isinstance(actual, list):
            return False
        return all(any(values_equal(item, want) for item in actual) for want in condition.expected)
    raise AssertionError(condition.kind)


def _search_texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, list):
        return [text for item in value for text in _search_texts(item)]
    if isinstance(value, dict):
        return [json.dumps(value, default=str)]
    return []


def path_values(
    attributes: Mapping[str, Any], path: Sequence[str], resolver: Resolver
) -> list[Any]:
    """Every value ``path`` reaches, going into each element of a list of blocks."""
    current: list[Any] = [attributes]
    for part in path:
        following: list[Any] = []
        for node in current:
            node = resolver.resolve(node)
            for block in node if isinstance(node, list) else [node]:
                if isinstance(block, Mapping) and part in block:
                    following.append(resolver.resolve(block[part]))
        current = following
    return current


def matches(
    attributes: Mapping[str, Any], conditions: Sequence[Condition], resolver: Resolver
) -> bool:
    return all(
        any(
            condition_holds(condition, value)
            for value in path_values(attributes, condition.path, resolver)
        )
        for condition in conditions
    )


# ---------------------------------------------------------------------------------------------
# The checker.


class Checker:
    """Holds facts against one design: its Terraform module and its design.json."""

    def __init__(self, module: TerraformModule, document: Mapping[str, Any]) -> None:
        self.module = module
        self.document = document
        self.resolver = Resolver(module)
        self._references: dict[tuple[str, str], set[tuple[str, str]]] | None = None

    def check(self, fact: Mapping[str, Any]) -> Result:
        form = next(key for key in fact if key in FORMS)
        value = fact[form]
        if form == "region":
            return self.region(value)
        if form == "resource":
            return self.resource(value, fact.get("where"))
        if form == "absent":
            return self.absent(value, fact.get("where"))
        if form == "count":
            return self.count(
                value["resource"], value.get("where"), value.get("min"), value.get("max")
            )
        if form == "link":
            return self.link(value[0], value[1])
        if form == "no_open_ingress":
            return self.no_open_ingress()
        if form == "value_anywhere":
            return self.value_anywhere(value)
        if form == "cost_at_most_usd":
            return self.cost_at_most_usd(float(value))
        if form == "any_of":
            return self.any_of(value)
        raise AssertionError(form)

    # -- forms ---------------------------------------------------------------------------------

    def region(self, code: str) -> Result:
        actual = self.document.get("region")
        if isinstance(actual, str) and actual.casefold() == code.casefold():
            return True, f"region is {actual}"
        return False, f"region is {actual or 'not set'}, not {code}"

    def resource(self, rtype: str, where: object = None) -> Result:
        conditions = parse_where(where) if where is not None else []
        found = self._matching(rtype, conditions)
        if found:
            return True, f"{rtype}.{found[0]} matches"
        return False, self._no_match(rtype, conditions)

    def absent(self, rtype: str, where: object = None) -> Result:
        conditions = parse_where(where) if where is not None else []
        found = self._matching(rtype, conditions)
        if not found:
            return True, f"no {rtype}{_having(conditions)}"
        names = ", ".join(f"{rtype}.{name}" for name in found[:4])
        if conditions:
            return False, f"{names} {'has' if len(found) == 1 else 'have'} {_joined(conditions)}"
        return False, f"{names} {'is' if len(found) == 1 else 'are'} in the design"

    def count(self, rtype: str, where: object, low: int | None, high: int | None) -> Result:
        conditions = parse_where(where) if where is not None else []
        found = self._matching(rtype, conditions)
        blocks = self.module.resources.get(rtype, {})
        parts = [(name, self.matching_instances(blocks[name], conditions)) for name in found]
        total = sum(number for _, number in parts)
        wanted = _range_text(low, high)
        if (low is None or total >= low) and (high is None or total <= high):
            return True, f"{total} {rtype} instances{_having(conditions)} ({wanted})"
        listing = ", ".join(f"{name}={number}" for name, number in parts[:6]) or (
            "no match" if blocks else f"no {rtype} in the design"
        )
        return (
            False,
            f"{total} {rtype} instances{_having(conditions)}, want {wanted} (found: {listing})",
        )

    def link(self, type_a: str, type_b: str) -> Result:
        for rtype in (type_a, type_b):
            if not self.module.resources.get(rtype):
                return False, f"no {rtype} in the design to link"
        references = self.references()
        for source, targets in references.items():
            if source[0] == type_a and any(target[0] == type_b for target in targets):
                return True, f"{_address(source)} refers to {type_b}"
            if source[0] == type_b and any(target[0] == type_a for target in targets):
                return True, f"{_address(source)} refers to {type_a}"
        for source, targets in references.items():
            to_a = [target for target in targets if target[0] == type_a]
            to_b = [target for target in targets if target[0] == type_b]
            if to_a and to_b and (type_a != type_b or len(set(to_a)) > 1):
                return True, f"{_address(source)} refers to both {type_a} and {type_b}"
        return False, (
            f"no reference between {type_a} and {type_b}, directly or through a third resource"
        )

    def no_open_ingress(self) -> Result:
        offenders = list(self._open_ingress())
        if not offenders:
            return True, "no ingress open to the internet"
        more = f" (+{len(offenders) - 4} more)" if len(offenders) > 4 else ""
        return False, "open to the internet: " + "; ".join(offenders[:4]) + more

    def value_anywhere(self, text: str) -> Result:
        wanted = text.casefold()
        for where, value in self._all_values():
            if wanted in value.casefold():
                return True, f"{text!r} found in {where}"
        return False, f"{text!r} is in no resource attribute, variable default or local"

    def cost_at_most_usd(self, limit: float) -> Result:
        cost = self.document.get("cost")
        total = as_number(cost.get("total_usd")) if isinstance(cost, Mapping) else None
        if total is not None and total <= limit:
            return True, f"monthly cost {total:.2f} USD <= {_number_text(limit)} USD"
        for entry in ledger(self.document):
            kind = f"{entry.get('kind', '')} {entry.get('key', '')}".casefold()
            if "budget" in kind and entry.get("status") in ("conflict", "adjusted"):
                return True, f"the ledger reports the budget as {entry.get('status')}"
        shown = "no cost estimate" if total is None else f"monthly cost {total:.2f} USD"
        return False, (
            f"{shown} > {_number_text(limit)} USD and the ledger reports no budget conflict"
            if total is not None
            else f"{shown} and the ledger reports no budget conflict"
        )

    def any_of(self, facts: Sequence[Mapping[str, Any]]) -> Result:
        details = []
        for fact in facts:
            ok, detail = self.check(fact)
            if ok:
                return True, detail
            details.append(detail)
        return False, "none holds: " + " | ".join(details)

    # -- helpers -------------------------------------------------------------------------------

    def instances(self, attributes: Mapping[str, Any]) -> int:
        """How many instances a resource block makes: count, for_each, else one.

        An unresolvable count or for_each counts as one.
        """
        if "count" in attributes:
            known = self.resolver.count(attributes["count"])
            return 1 if known is None else known
        if "for_each" in attributes:
            known = self.resolver.length(attributes["for_each"])
            return 1 if known is None else known
        return 1

    def matching_instances(
        self, attributes: Mapping[str, Any], conditions: Sequence[Condition]
    ) -> int:
        """How many instances of one resource block match; for_each instances one by one."""
        bound = self._instance_resolvers(attributes)
        if bound:
            return sum(matches(attributes, conditions, resolver) for resolver in bound)
        if not matches(attributes, conditions, self.resolver):
            return 0
        return self.instances(attributes)

    def _instance_resolvers(self, attributes: Mapping[str, Any]) -> list[Resolver]:
        if "for_each" not in attributes or "count" in attributes:
            return []
        items = self.resolver.items(attributes["for_each"]) or []
        return [self.resolver.bound(key, value) for key, value in items[:100]]

    def _matching(self, rtype: str, conditions: Sequence[Condition]) -> list[str]:
        return [
            name
            for name, attributes in self.module.resources.get(rtype, {}).items()
            if self.matching_instances(attributes, conditions) > 0
        ]

    def _no_match(self, rtype: str, conditions: Sequence[Condition]) -> str:
        blocks = self.module.resources.get(rtype, {})
        if not blocks:
            return f"no {rtype} in the design"
        found = []
        for name, attributes in list(blocks.items())[:4]:
            resolver = (self._instance_resolvers(attributes) or [self.resolver])[0]
            failing = [
                condition
                for condition in conditions
                if not any(
                    condition_holds(condition, value)
                    for value in path_values(attributes, condition.path, resolver)
                )
            ]
            shown = []
            for condition in failing:
                values = path_values(attributes, condition.path, resolver)
                if not values:
                    shown.append(f"{condition.key} missing")
                else:
                    shown.append(f"{condition.key}=" + "|".join(_show(v) for v in values[:3]))
            found.append(f"{name} " + " ".join(shown))
        more = f", +{len(blocks) - 4} more" if len(blocks) > 4 else ""
        return f"no {rtype} has {_joined(conditions)} (found: {', '.join(found)}{more})"

    def references(self) -> dict[tuple[str, str], set[tuple[str, str]]]:
        """For each resource, the resources its body refers to (expressions and depends_on)."""
        if self._references is None:
            known = self.module.resources
            self._references = {}
            for rtype, name, attributes in self.module.iter_resources():
                targets: set[tuple[str, str]] = set()
                for text in _strings(attributes):
                    if "${" not in text:
                        continue
                    for match in _RESOURCE_REFERENCE.finditer(text):
                        if match[2] in known.get(match[1], {}):
                            targets.add((match[1], match[2]))
                targets.discard((rtype, name))
                self._references[(rtype, name)] = targets
        return self._references

    def _open_ingress(self) -> Iterator[str]:
        resources = self.module.resources
        resolve = self.resolver.resolve
        for rtype in ("aws_security_group", "aws_default_security_group"):
            for name, attributes in resources.get(rtype, {}).items():
                rules = resolve(attributes.get("ingress", []))
                for rule in rules if isinstance(rules, list) else [rules]:
                    if isinstance(rule, Mapping):
                        cidrs = _open_cidrs(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks"))
                        if cidrs:
                            yield f"{rtype}.{name} ingress{_ports(rule)} from {cidrs}"
        for name, attributes in resources.get("aws_security_group_rule", {}).items():
            if str(resolve(attributes.get("type", ""))).casefold() == "ingress":
                cidrs = _open_cidrs(
                    resolve(attributes.get("cidr_blocks")),
                    resolve(attributes.get("ipv6_cidr_blocks")),
                )
                if cidrs:
                    yield f"aws_security_group_rule.{name}{_ports(attributes)} from {cidrs}"
        for name, attributes in resources.get("aws_vpc_security_group_ingress_rule", {}).items():
            cidrs = _open_cidrs(
                [resolve(attributes.get("cidr_ipv4"))], [resolve(attributes.get("cidr_ipv6"))]
            )
            if cidrs:
                yield f"aws_vpc_security_group_ingress_rule.{name}{_ports(attributes)} from {cidrs}"
        for rtype in ("aws_lb", "aws_alb"):
            for name, attributes in resources.get(rtype, {}).items():
                # Terraform's default for `internal` is false: an internet-facing balancer. With
                # security groups, their rules (checked above) decide who gets in — an office
                # allow-list is not open; without any, nothing filters the internet.
                internal = resolve(attributes.get("internal", False))
                if _bool_text(internal) == "false" and not attributes.get("security_groups"):
                    yield f"{rtype}.{name} is internet-facing (internal = false) with no security group"

    def _all_values(self) -> Iterator[tuple[str, str]]:
        resolve = self.resolver.resolve
        for rtype, name, attributes in self.module.iter_resources():
            for text in _strings(resolve(attributes)):
                yield f"{rtype}.{name}", text
        for name, variable in self.module.variables.items():
            if isinstance(variable, Mapping) and "default" in variable:
                for text in _strings(resolve(variable["default"])):
                    yield f"var.{name}", text
        for name, value in self.module.locals.items():
            for text in _strings(resolve(value)):
                yield f"local.{name}", text


def check_fact(
    fact: Mapping[str, Any], module: TerraformModule, document: Mapping[str, Any]
) -> Result:
    """Whether ``fact`` holds in the design, with a one-line explanation."""
    return Checker(module, document).check(fact)


# ---------------------------------------------------------------------------------------------
# The ledger and unsupported asks.


def ledger(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    requirements = document.get("requirements")
    if not isinstance(requirements, Mapping):
        return []
    entries = requirements.get("ledger")
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def unsupported_reported(says: str, document: Mapping[str, Any]) -> Result:
    """Whether an unsupported ledger entry quotes ``says`` (or is quoted by it)."""
    wanted = says.strip().casefold()
    entries = ledger(document)
    unsupported = [entry for entry in entries if entry.get("status") == "unsupported"]
    for entry in unsupported:
        quote = str(entry.get("quote") or "").strip().casefold()
        value = entry.get("value")
        value_text = "" if value is None else str(value).strip().casefold()
        if (wanted and (wanted in quote or wanted in value_text)) or (quote and quote in wanted):
            return True, f"reported unsupported: {entry.get('quote')!r}"
    if not entries:
        return False, "the design has no ledger"
    quotes = ", ".join(repr(str(entry.get("quote"))) for entry in unsupported[:4]) or "none"
    return False, f"no unsupported ledger entry quotes it (unsupported entries: {quotes})"


# ---------------------------------------------------------------------------------------------
# Small helpers.


def _strings(value: object) -> Iterator[str]:
    """Every string (and number, as written) inside a value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield _number_text(float(value))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _open_cidrs(*groups: object) -> str:
    found = []
    for group in groups:
        for item in group if isinstance(group, list) else [group]:
            if isinstance(item, str) and item.strip() in OPEN_CIDRS:
                found.append(item.strip())
    return ", ".join(found)


def _ports(rule: Mapping[str, Any]) -> str:
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None:
        return ""
    return f" port {low}" if high in (None, low) else f" ports {low}-{high}"


def _address(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"


def _joined(conditions: Sequence[Condition]) -> str:
    return " and ".join(condition.describe() for condition in conditions)


def _having(conditions: Sequence[Condition]) -> str:
    return f" with {_joined(conditions)}" if conditions else ""


def _range_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low}..{high}" if low != high else f"exactly {low}"
    return f">= {low}" if low is not None else f"<= {high}"


def _number_text(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def _show(value: object, limit: int = 40) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
