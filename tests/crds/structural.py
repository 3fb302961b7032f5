"""What kube-apiserver checks when a CustomResourceDefinition itself is created.

A CRD in ``apiextensions.k8s.io/v1`` must carry a *structural* schema, defaults that validate
and survive pruning, list types whose keys are sound, CEL rules that compile with their
``fieldPath`` inside the schema and single-line messages. On top of those the project asks
that every list, map and free string is bounded (the apiserver's CEL cost budget depends on it
and a prompt is not a novel), and that every printer column's JSONPath names a field of the
schema with a matching type. Each function returns problems as sentences; empty means sound.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import re2  # type: ignore[import-untyped]

from tests.crds import apiserver, cel_rules

Schema = Mapping[str, Any]

_ALLOWED_KEYWORDS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "default",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "multipleOf",
        "enum",
        "maxProperties",
        "minProperties",
        "required",
        "items",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "properties",
        "additionalProperties",
        "nullable",
        "example",
        "externalDocs",
        "uniqueItems",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-validations",
    }
)
_JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
_FORBIDDEN_IN_JUNCTORS = ("description", "type", "default", "additionalProperties", "nullable")
_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})
_ROOT_STRINGS = frozenset({".apiVersion", ".kind"})
_OBJECT_META_COLUMNS = {".metadata.creationTimestamp": "date", ".metadata.name": "string"}
_SELF_CHAIN = re2.compile(
    r"(?:^|[^A-Za-z0-9_.])((?:oldSelf|self)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\()?"
)
_JSONPATH_TOKEN = re2.compile(
    r'\.([A-Za-z0-9_]+)|\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]|\[(\d+|\*)\]'
)


def nodes(schema: Schema, path: str = "") -> Iterator[tuple[str, Schema]]:
    """Every schema node with its path: ``.spec.conversation[*].text``, ``.x{*}`` for map values."""
    yield path, schema
    for key, child in schema.get("properties", {}).items():
        yield from nodes(child, f"{path}.{key}")
    if isinstance(schema.get("items"), Mapping):
        yield from nodes(schema["items"], f"{path}[*]")
    if isinstance(schema.get("additionalProperties"), Mapping):
        yield from nodes(schema["additionalProperties"], f"{path}{{*}}")


def structural_problems(schema: Schema) -> list[str]:
    """Departures from a structural schema, as the apiserver rejects them."""
    problems: list[str] = []
    if schema.get("type") != "object":
        problems.append("the root must be of type object")
    metadata = schema.get("properties", {}).get("metadata", {})
    if set(metadata.get("properties", {})) - {"name", "generateName"}:
        problems.append(".metadata may only restrict name and generateName")
    for path, node in nodes(schema):
        problems += _node_problems(path or "<root>", node)
    return problems


def _node_problems(path: str, node: Schema) -> list[str]:
    problems = [f"{path}: unknown keyword {key!r}" for key in node if key not in _ALLOWED_KEYWORDS]
    exempt = node.get("x-kubernetes-int-or-string") or node.get(
        "x-kubernetes-preserve-unknown-fields"
    )
    if not node.get("type") and not exempt:
        problems.append(f"{path}: type must not be empty")
    if "properties" in node and "additionalProperties" in node:
        problems.append(f"{path}: properties and additionalProperties are mutually exclusive")
    if node.get("additionalProperties") is False:
        problems.append(f"{path}: additionalProperties cannot be set to false")
    if node.get("uniqueItems"):
        problems.append(f"{path}: uniqueItems cannot be true (use x-kubernetes-list-type: set)")
    if "items" in node and not isinstance(node["items"], Mapping):
        problems.append(f"{path}: items must be a single schema")
    if node.get("x-kubernetes-preserve-unknown-fields") is False:
        problems.append(f"{path}: x-kubernetes-preserve-unknown-fields must be true or absent")
    for junctor in _JUNCTORS:
        for inner in _junctor_schemas(node.get(junctor)):
            problems += [
                f"{path}.{junctor}: must not set {key}"
                for key in _FORBIDDEN_IN_JUNCTORS
                if key in inner
            ]
    problems += _enum_problems(path, node)
    problems += _list_type_problems(path, node)
    return problems


def _junctor_schemas(value: Any) -> list[Schema]:
    if isinstance(value, Mapping):
        return [value]
    return list(value) if isinstance(value, list) else []


def _enum_problems(path: str, node: Schema) -> list[str]:
    kind = node.get("type")
    return [
        f"{path}: enum value {option!r} is not of type {kind}"
        for option in node.get("enum", [])
        if kind and apiserver.schema_errors({"type": kind}, option, path)
    ]


def _list_type_problems(path: str, node: Schema) -> list[str]:
    list_type = node.get("x-kubernetes-list-type")
    if list_type is None:
        return []
    items: Schema = node.get("items", {})
    if list_type not in ("atomic", "set", "map"):
        return [f"{path}: x-kubernetes-list-type must be atomic, set or map"]
    if list_type == "set" and items.get("type") not in _SCALAR_TYPES:
        return [f"{path}: a set needs scalar items"]
    if list_type != "map":
        return []
    keys = node.get("x-kubernetes-list-map-keys") or []
    if items.get("type") != "object" or not keys:
        return [f"{path}: a map list needs object items and x-kubernetes-list-map-keys"]
    problems: list[str] = []
    for key in keys:
        key_schema = items.get("properties", {}).get(key)
        if key_schema is None or key_schema.get("type") not in _SCALAR_TYPES:
            problems.append(f"{path}: map key {key!r} must be a scalar property of the items")
        elif key not in items.get("required", []) and "default" not in key_schema:
            problems.append(f"{path}: map key {key!r} must be required or defaulted")
    return problems


def default_problems(schema: Schema) -> list[str]:
    """Defaults that would not validate, or that pruning would change."""
    problems: list[str] = []
    for path, node in nodes(schema):
        if "default" not in node:
            continue
        value = copy.deepcopy(node["default"])
        if apiserver.prune(node, value, path):
            problems.append(f"{path}: the default has fields the schema prunes")
        apiserver.apply_defaults(node, value)
        problems += [
            f"{path}: default: {error}" for error in apiserver.schema_errors(node, value, path)
        ]
    return problems


def unbounded_fields(schema: Schema) -> list[str]:
    """Lists without maxItems, maps without maxProperties, free strings without maxLength."""
    found: list[str] = []
    for path, node in nodes(schema):
        kind = node.get("type")
        if kind == "array" and "maxItems" not in node:
            found.append(f"{path}: a list without maxItems")
        elif kind == "object" and "additionalProperties" in node and "maxProperties" not in node:
            found.append(f"{path}: a map without maxProperties")
        elif kind == "string" and not _bounded_string(path, node):
            found.append(f"{path}: a string without maxLength")
    return found


def _bounded_string(path: str, node: Schema) -> bool:
    return (
        "maxLength" in node
        or "enum" in node
        or node.get("format") in ("date-time", "date")
        or path in _ROOT_STRINGS
    )


def rule_problems(schema: Schema) -> list[str]:
    """CEL rules that do not compile, point outside the schema or sit where they cannot run."""
    problems: list[str] = []
    for path, node in nodes(schema):
        for rule in node.get("x-kubernetes-validations", []):
            where = f"{path or '<root>'}: rule {rule['rule']!r}"
            try:
                cel_rules.compile_rule(rule["rule"])
            except cel_rules.RuleError as error:
                problems.append(f"{where}: {error}")
            if "\n" in rule.get("message", ""):
                problems.append(f"{where}: message must not contain line breaks")
            problems += [
                f"{where}: {reference} is not a field of the schema"
                for reference in _field_references(rule["rule"])
                if _resolve_field_path(node, reference.removeprefix("oldSelf").removeprefix("self"))
                is None
            ]
            if "fieldPath" in rule and _resolve_field_path(node, rule["fieldPath"]) is None:
                problems.append(f"{where}: fieldPath {rule['fieldPath']!r} is not in the schema")
            if cel_rules.is_transition_rule(rule["rule"]) and "[*]" in path:
                problems.append(f"{where}: transition rules cannot run inside lists here")
            reason = rule.get("reason", "FieldValueInvalid")
            if reason not in (
                "FieldValueInvalid",
                "FieldValueRequired",
                "FieldValueForbidden",
                "FieldValueDuplicate",
            ):
                problems.append(f"{where}: unknown reason {reason!r}")
    return problems


def _field_references(rule: str) -> list[str]:
    """``self.a.b`` chains in a rule, without a trailing method call (``self.a.matches(``).

    The apiserver type-checks rules against the schema, so a misspelt field fails there; this
    catches the same mistake for the field chains the project's rules use.
    """
    references = []
    for match in _SELF_CHAIN.finditer(rule):
        chain = match.group(1)
        if match.group(2):  # the last segment is a method: self.repository.matches(...)
            chain = chain.rsplit(".", 1)[0]
        if "." in chain:
            references.append(chain)
    return references


def _resolve_field_path(node: Schema, field_path: str) -> Schema | None:
    current: Schema | None = node
    for segment in field_path.split(".")[1:]:
        if current is None:
            return None
        current = current.get("properties", {}).get(segment)
    return current


def printer_column_problems(version: Mapping[str, Any]) -> list[str]:
    """Columns whose JSONPath names no field, or a field of another type."""
    schema: Schema = version["schema"]["openAPIV3Schema"]
    problems: list[str] = []
    for column in version.get("additionalPrinterColumns", []):
        path, kind = column["jsonPath"], column["type"]
        if path in _OBJECT_META_COLUMNS:
            if _OBJECT_META_COLUMNS[path] != kind:
                problems.append(
                    f"column {column['name']}: {path} is a {_OBJECT_META_COLUMNS[path]}"
                )
            continue
        target = _resolve_json_path(schema, path)
        if target is None:
            problems.append(f"column {column['name']}: {path} names no field of the schema")
        elif not _column_fits(kind, target):
            problems.append(f"column {column['name']}: type {kind} does not fit {path}")
    return problems


def _resolve_json_path(schema: Schema, path: str) -> Schema | None:
    current: Schema | None = schema
    position = 0
    while position < len(path):
        match = _JSONPATH_TOKEN.match(path, position)
        if match is None or current is None:
            return None
        position = match.end()
        field, filter_field, filter_value, _index = match.groups()
        if field is not None:
            current = current.get("properties", {}).get(field)
        elif filter_field is not None:
            items = current.get("items")
            key_schema = items.get("properties", {}).get(filter_field) if items else None
            if key_schema is None or (
                "enum" in key_schema and filter_value not in key_schema["enum"]
            ):
                return None
            current = items
        else:
            current = current.get("items")
    return current


def _column_fits(kind: str, target: Schema) -> bool:
    field_type = target.get("type")
    if kind == "date":
        return field_type == "string" and target.get("format") == "date-time"
    if kind == "number":
        return field_type in ("number", "integer")
    return bool(field_type == kind)
