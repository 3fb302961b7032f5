"""``x-kubernetes-validations`` rules, evaluated the way kube-apiserver evaluates them.

cel-python implements standard CEL (its transpiler, see below). Kubernetes adds libraries on
top; the few functions this project's rules call are provided here, and a rule calling any other
Kubernetes function fails to evaluate, so a new rule can never pass here by accident. Values are bound by their schema,
as the apiserver binds them: ``number`` fields are doubles even when written as ``5``,
``date-time``/``date`` strings are timestamps, absent optional fields are absent (``has()``).
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import celpy
from celpy import CompiledRunner, celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError


def _lower_ascii(text: celtypes.StringType) -> celtypes.StringType:
    return celtypes.StringType(
        "".join(c.lower() if c.isascii() else c for c in text)  # ASCII only, as in cel-go
    )


def _upper_ascii(text: celtypes.StringType) -> celtypes.StringType:
    return celtypes.StringType("".join(c.upper() if c.isascii() else c for c in text))


def _trim(text: celtypes.StringType) -> celtypes.StringType:
    return celtypes.StringType(text.strip())


# The Kubernetes CEL extension functions (strings library) the project's rules use.
KUBERNETES_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lowerAscii": _lower_ascii,
    "upperAscii": _upper_ascii,
    "trim": _trim,
}


def _cel_bool(value: Any) -> Any:
    return celtypes.BoolType(value) if type(value) is bool else value


_LOGICAL_AND, _LOGICAL_OR, _LOGICAL_NOT = (
    celtypes.logical_and,
    celtypes.logical_or,
    celtypes.logical_not,
)
# cel-python's transpiler (CompiledRunner, ten times faster than its interpreter: a rule over a
# 100-entry list costs about a second instead of ten) hands `&&`, `||` and `!` a Python bool
# from `has()`, which those functions refuse; with the bool made a CEL bool they follow CEL's
# commutative error rules (`true || error` is true), as cel-go does.
celtypes.logical_and = lambda x, y: _LOGICAL_AND(_cel_bool(x), _cel_bool(y))
celtypes.logical_or = lambda x, y: _LOGICAL_OR(_cel_bool(x), _cel_bool(y))
celtypes.logical_not = lambda x: _LOGICAL_NOT(_cel_bool(x))
# The transpiled code runs in celpy.evaluation's globals and names a function by its module
# path (tests.crds.cel_rules._trim): bind the package there.
vars(celpy.evaluation).setdefault("tests", importlib.import_module("tests"))
_EVALUATING = threading.Lock()

_ENVIRONMENT = celpy.Environment(runner_class=CompiledRunner)
_OLD_SELF = re.compile(r"\boldSelf\b")


class RuleError(Exception):
    """A rule that does not compile or fails to evaluate (the apiserver rejects both)."""


def is_transition_rule(rule: str) -> bool:
    """Transition rules compare with ``oldSelf`` and run only on updates."""
    return bool(_OLD_SELF.search(rule))


@cache
def compile_rule(rule: str) -> celpy.Runner:
    """Compile once per rule text; the parser is the slow part."""
    try:
        ast = _ENVIRONMENT.compile(rule)
    except CELParseError as error:
        raise RuleError(f"compilation failed: {error}") from error
    return _ENVIRONMENT.program(ast, functions=KUBERNETES_FUNCTIONS)


def evaluate(rule: str, self_value: celtypes.Value, old_self: celtypes.Value | None) -> bool:
    """The rule's verdict for one value; ``RuleError`` when it cannot be evaluated."""
    activation: dict[str, Any] = {"self": self_value}
    if old_self is not None:
        activation["oldSelf"] = old_self
    try:
        with _EVALUATING:  # the transpiled code shares celpy.evaluation's globals
            result = compile_rule(rule).evaluate(activation)
    except CELEvalError as error:
        raise RuleError(f"evaluation failed: {error.args[0] if error.args else error}") from error
    if isinstance(result, CELEvalError):
        raise RuleError(f"evaluation failed: {result.args[0] if result.args else result}")
    if not isinstance(result, celtypes.BoolType):
        raise RuleError(f"the rule returned {type(result).__name__}, not a bool")
    return bool(result)


def to_cel(schema: Mapping[str, Any], value: Any) -> celtypes.Value:
    """Bind a JSON value as CEL sees it under ``schema`` (the apiserver's type mapping)."""
    kind = schema.get("type")
    if value is None:
        return None
    if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
        return json_to_cel(value)
    if kind == "object":
        return _object_to_cel(schema, value)
    if kind == "array":
        items = schema.get("items", {})
        return celtypes.ListType([to_cel(items, item) for item in value])
    if kind == "integer":
        return celtypes.IntType(value)
    if kind == "number":
        return celtypes.DoubleType(value)
    if kind == "boolean":
        return celtypes.BoolType(value)
    if kind == "string":
        return _string_to_cel(schema.get("format", ""), value)
    return json_to_cel(value)


def _object_to_cel(schema: Mapping[str, Any], value: Mapping[str, Any]) -> celtypes.MapType:
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    fields: dict[celtypes.StringType, celtypes.Value] = {}
    for key, item in value.items():
        field_schema = properties.get(key, extra if isinstance(extra, Mapping) else {})
        fields[celtypes.StringType(key)] = to_cel(field_schema, item)
    return celtypes.MapType(fields)


def _string_to_cel(fmt: str, value: str) -> celtypes.Value:
    if fmt == "date-time":
        return celtypes.TimestampType(value)
    if fmt == "date":
        return celtypes.TimestampType(datetime.fromisoformat(value).replace(tzinfo=UTC))
    return celtypes.StringType(value)
