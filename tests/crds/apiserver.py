"""An offline stand-in for what kube-apiserver does to a custom resource on write.

No apiserver can run on this machine (see docs/api.md, "Testing the API"), and kmock neither
validates, defaults nor prunes. This module follows the apiserver's steps for a CRD version's
``openAPIV3Schema``, in its order:

1. ``status`` is dropped on create and kept from the stored object on a spec update (the status
   subresource); a status update changes nothing else;
2. unknown fields are pruned (not rejected; they come back as warnings, like ``kubectl``'s
   "unknown field" warnings) and nulls in non-nullable fields are dropped;
3. defaults are applied, nested ones included;
4. the schema is checked: types, ``required``, ``enum``, ``pattern`` (RE2, as Go's regexp),
   lengths in characters, item and property counts, minimum/maximum, ``format`` date-time and
   date, ``x-kubernetes-list-type`` set/map uniqueness, ``metadata.name``;
5. ``x-kubernetes-validations`` CEL rules run, unless a type error blocks them (as in the
   apiserver); transition rules (``oldSelf``) run only on updates, for correlated values.

Errors read like the apiserver's: ``spec.hints.region: Invalid value: "seoul": ... should match``.
Updates ratchet (Kubernetes 1.30+): an error on a value the update leaves unchanged is dropped,
so an object stored before a rule existed can still have its status and metadata written.
Not covered: CEL cost estimation, ``int-or-string``, formats other than date-time and
date, validation of labels and annotations.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import re2  # type: ignore[import-untyped]  # Go's regexp is RE2: same syntax, same answers

from tests.crds import cel_rules

Schema = Mapping[str, Any]

_DNS_SUBDOMAIN = re2.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DATE_TIME = re2.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)


_JSON_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    list: "array",
    dict: "object",
}


class ErrorType(StrEnum):
    """The kinds of ``field.Error`` the apiserver reports, by their printed names."""

    REQUIRED = "Required value"
    INVALID = "Invalid value"
    UNSUPPORTED = "Unsupported value"
    TOO_LONG = "Too long"
    TOO_MANY = "Too many"
    DUPLICATE = "Duplicate value"
    FORBIDDEN = "Forbidden"


_RULE_REASONS = {
    "FieldValueInvalid": ErrorType.INVALID,
    "FieldValueRequired": ErrorType.REQUIRED,
    "FieldValueForbidden": ErrorType.FORBIDDEN,
    "FieldValueDuplicate": ErrorType.DUPLICATE,
}


@dataclass(frozen=True)
class FieldError:
    """One rejected field: ``path`` as the apiserver prints it, e.g. ``spec.regions[2]``."""

    path: str
    type: ErrorType
    detail: str = ""
    value: Any = None
    shows_value: bool = False
    blocks_rules: bool = False  # a type error: the apiserver then skips CEL rules

    def __str__(self) -> str:
        text = f"{self.path}: {self.type}"
        if self.shows_value:
            text += f": {json.dumps(self.value, ensure_ascii=False)}"
        return f"{text}: {self.detail}" if self.detail else text


class Invalid(Exception):  # noqa: N818  (named after the apiserver's StatusReasonInvalid)
    """The apiserver's 422 answer: the object and every field error."""

    def __init__(self, kind: str, name: str, errors: list[FieldError]) -> None:
        self.errors = errors
        listing = ", ".join(str(error) for error in errors)
        super().__init__(f'{kind} "{name}" is invalid: [{listing}]')

    @property
    def paths(self) -> list[str]:
        return [error.path for error in self.errors]


@dataclass
class Stored:
    """What the apiserver would persist, and the warnings it would send back."""

    object: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


class CustomResourceAPI:
    """The write path of one served version of a CRD (``create``, ``update``, ``update_status``)."""

    def __init__(self, crd: Mapping[str, Any], version: str | None = None) -> None:
        spec = crd["spec"]
        versions = spec["versions"]
        chosen = next(
            v for v in versions if v["name"] == version or (version is None and v["storage"])
        )
        self.group: str = spec["group"]
        self.version: str = chosen["name"]
        self.kind: str = spec["names"]["kind"]
        self.schema: Schema = chosen["schema"]["openAPIV3Schema"]
        self.has_status_subresource = "status" in chosen.get("subresources", {})

    def create(self, obj: Mapping[str, Any]) -> Stored:
        """POST: the stored object, or ``Invalid`` naming every bad field."""
        candidate = copy.deepcopy(dict(obj))
        if self.has_status_subresource:
            candidate.pop("status", None)
        return self._admit(candidate, old=None)

    def update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> Stored:
        """PUT on the main resource: status changes are ignored, transition rules run."""
        candidate = copy.deepcopy(dict(new))
        if self.has_status_subresource:
            candidate.pop("status", None)
            if "status" in old:
                candidate["status"] = copy.deepcopy(old["status"])
        return self._admit(candidate, old=old)

    def update_status(self, old: Mapping[str, Any], status: Mapping[str, Any]) -> Stored:
        """PUT on ``/status``: only the status changes; the whole object is validated."""
        candidate = copy.deepcopy(dict(old))
        candidate["status"] = copy.deepcopy(dict(status))
        return self._admit(candidate, old=old)

    def _admit(self, obj: dict[str, Any], old: Mapping[str, Any] | None) -> Stored:
        name = str(obj.get("metadata", {}).get("name", ""))
        errors = self._identity_errors(obj)
        warnings = prune(self.schema, obj, path="", root=True)
        apply_defaults(self.schema, obj)
        errors += _ratchet(schema_errors(self.schema, obj, path=""), obj, old)
        if any(error.blocks_rules for error in errors):
            errors.append(
                FieldError(
                    "<nil>",
                    ErrorType.INVALID,
                    "some validation rules were not checked because the object was invalid; "
                    "correct the existing errors to complete validation",
                )
            )
        else:
            errors += _ratchet(rule_errors(self.schema, obj, old, "", ratchet=True), obj, old)
        if errors:
            raise Invalid(f"{self.kind}.{self.group}", name, errors)
        return Stored(obj, [f'unknown field "{path}"' for path in warnings])

    def _identity_errors(self, obj: Mapping[str, Any]) -> list[FieldError]:
        errors: list[FieldError] = []
        api_version = f"{self.group}/{self.version}"
        if obj.get("apiVersion") != api_version:
            errors.append(_invalid("apiVersion", obj.get("apiVersion"), f"must be {api_version}"))
        if obj.get("kind") != self.kind:
            errors.append(_invalid("kind", obj.get("kind"), f"must be {self.kind}"))
        metadata = obj.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        if not name and not (isinstance(metadata, Mapping) and metadata.get("generateName")):
            errors.append(
                FieldError("metadata.name", ErrorType.REQUIRED, "name or generateName is required")
            )
        elif name and (
            not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name)
        ):
            errors.append(
                _invalid(
                    "metadata.name",
                    name,
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                    "characters, '-' or '.', and must start and end with an alphanumeric character",
                )
            )
        return errors


# --- pruning and defaulting ---------------------------------------------------------------


def prune(schema: Schema, value: Any, path: str, root: bool = False) -> list[str]:
    """Drop fields the schema does not know (in place); the dropped paths, for warnings."""
    dropped: list[str] = []
    if isinstance(value, dict):
        if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
            return dropped
        properties: Schema = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key in list(value):
            child_path = _join(path, key)
            if root and key == "metadata":
                dropped += _prune_metadata(value[key], child_path)
                continue
            child = properties.get(key, extra if isinstance(extra, Mapping) else None)
            if child is None and not schema.get("x-kubernetes-preserve-unknown-fields"):
                del value[key]
                dropped.append(child_path)
            elif child is not None and value[key] is None and not child.get("nullable"):
                del value[key]  # nulls in non-nullable fields are pruned before defaulting
            elif child is not None:
                dropped += prune(child, value[key], child_path)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            dropped += prune(schema["items"], item, f"{path}[{index}]")
    return dropped


def _prune_metadata(metadata: Any, path: str) -> list[str]:
    if not isinstance(metadata, dict):
        return []
    unknown = [key for key in metadata if key not in _OBJECT_META_FIELDS]
    for key in unknown:
        del metadata[key]
    return [_join(path, key) for key in unknown]


def apply_defaults(schema: Schema, value: Any) -> None:
    """Fill absent fields that have a ``default`` (in place), then descend into them."""
    if isinstance(value, dict):
        properties: Schema = schema.get("properties", {})
        for key, child in properties.items():
            if key not in value and "default" in child:
                value[key] = copy.deepcopy(child["default"])
            if key in value:
                apply_defaults(child, value[key])
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for key in value.keys() - properties.keys():
                apply_defaults(extra, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            apply_defaults(schema["items"], item)


# --- schema validation --------------------------------------------------------------------


def schema_errors(schema: Schema, value: Any, path: str) -> list[FieldError]:
    """Every way ``value`` breaks ``schema`` (no CEL rules: see ``rule_errors``)."""
    if value is None:
        if schema.get("nullable"):
            return []
        return [_type_error(path, schema.get("type", ""), value)]
    kind = schema.get("type")
    if kind and not _has_type(kind, value):
        return [_type_error(path, kind, value)]
    errors = _enum_errors(schema, value, path)
    if isinstance(value, str):
        errors += _string_errors(schema, value, path)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int | float):
        errors += _number_errors(schema, value, path)
    elif isinstance(value, list):
        errors += _array_errors(schema, value, path)
    elif isinstance(value, dict):
        errors += _object_errors(schema, value, path)
    return errors


def _has_type(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return False


def _enum_errors(schema: Schema, value: Any, path: str) -> list[FieldError]:
    allowed = schema.get("enum")
    if allowed is None or value in allowed:
        return []
    supported = ", ".join(json.dumps(option, ensure_ascii=False) for option in allowed)
    return [FieldError(path, ErrorType.UNSUPPORTED, f"supported values: {supported}", value, True)]


def _string_errors(schema: Schema, value: str, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    length = len(value)  # characters (runes), as kube-openapi counts them
    if "maxLength" in schema and length > schema["maxLength"]:
        errors.append(
            FieldError(path, ErrorType.TOO_LONG, f"may not be longer than {schema['maxLength']}")
        )
    if "minLength" in schema and length < schema["minLength"]:
        errors.append(
            _invalid(
                path, value, f"{path} in body should be at least {schema['minLength']} chars long"
            )
        )
    if "pattern" in schema and not re2.search(schema["pattern"], value):
        errors.append(_invalid(path, value, f"{path} in body should match '{schema['pattern']}'"))
    fmt = schema.get("format")
    if fmt in ("date-time", "date") and not _is_format(fmt, value):
        errors.append(_invalid(path, value, f"{path} in body must be of type {fmt}: {value!r}"))
    return errors


def _is_format(fmt: str, value: str) -> bool:
    try:
        if fmt == "date":
            date.fromisoformat(value)
            return len(value) == 10
        if not _DATE_TIME.match(value):
            return False
        datetime.fromisoformat(value.replace("z", "Z").replace(" ", "T"))
    except ValueError:
        return False
    return True


def _number_errors(schema: Schema, value: float, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if isinstance(value, float) and not math.isfinite(value):
        return [_invalid(path, str(value), "must be a finite number")]
    if "minimum" in schema:
        low = schema["minimum"]
        if schema.get("exclusiveMinimum") and value <= low:
            errors.append(_invalid(path, value, f"{path} in body should be greater than {low}"))
        elif value < low:
            errors.append(
                _invalid(path, value, f"{path} in body should be greater than or equal to {low}")
            )
    if "maximum" in schema:
        high = schema["maximum"]
        if schema.get("exclusiveMaximum") and value >= high:
            errors.append(_invalid(path, value, f"{path} in body should be less than {high}"))
        elif value > high:
            errors.append(
                _invalid(path, value, f"{path} in body should be less than or equal to {high}")
            )
    if "multipleOf" in schema and value % schema["multipleOf"]:
        errors.append(
            _invalid(path, value, f"{path} in body should be a multiple of {schema['multipleOf']}")
        )
    return errors


def _array_errors(schema: Schema, value: list[Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(
            FieldError(
                path,
                ErrorType.TOO_MANY,
                f"must have at most {schema['maxItems']} items",
                len(value),
                shows_value=True,
            )
        )
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(
            _invalid(
                path, len(value), f"{path} in body should have at least {schema['minItems']} items"
            )
        )
    items = schema.get("items", {})
    for index, item in enumerate(value):
        errors += schema_errors(items, item, f"{path}[{index}]")
    errors += _list_type_errors(schema, value, path)
    return errors


def _list_type_errors(schema: Schema, value: list[Any], path: str) -> list[FieldError]:
    list_type = schema.get("x-kubernetes-list-type")
    if list_type not in ("set", "map"):
        return []
    keys: list[str] = schema.get("x-kubernetes-list-map-keys", [])
    seen: list[Any] = []
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        identity = (
            item
            if list_type == "set"
            else {key: item.get(key) for key in keys if isinstance(item, dict)}
        )
        if identity in seen:
            errors.append(
                FieldError(f"{path}[{index}]", ErrorType.DUPLICATE, "", identity, shows_value=True)
            )
        seen.append(identity)
    return errors


def _object_errors(schema: Schema, value: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = [
        FieldError(_join(path, key), ErrorType.REQUIRED)
        for key in schema.get("required", [])
        if key not in value
    ]
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        errors.append(
            FieldError(
                path,
                ErrorType.TOO_MANY,
                f"must have at most {schema['maxProperties']} items",
                len(value),
                shows_value=True,
            )
        )
    properties: Schema = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key == "metadata" and not path:
            continue  # ObjectMeta is validated by the apiserver's own code, see _identity_errors
        child = properties.get(key, extra if isinstance(extra, Mapping) else None)
        if child is not None:
            errors += schema_errors(child, item, _join(path, key, bracket=key not in properties))
    return errors


# --- CEL rules ----------------------------------------------------------------------------


def rule_errors(
    schema: Schema, value: Any, old: Any, path: str, ratchet: bool = False
) -> list[FieldError]:
    """Every ``x-kubernetes-validations`` rule that fails, at every node of ``value``.

    ``ratchet``: skip nodes equal to their correlated old value, whose errors ratcheting drops
    anyway (cel-python is slow: a rule over 100 list items costs seconds)."""
    errors: list[FieldError] = []
    for node_schema, node, old_node, node_path in _walk(schema, value, old, path):
        if ratchet and old_node is not None and node == old_node:
            continue
        for rule in node_schema.get("x-kubernetes-validations", []):
            transition = cel_rules.is_transition_rule(rule["rule"])
            if transition and old_node is None:
                continue  # on create (or for a new value) the apiserver skips transition rules
            error = _check_rule(
                rule, node_schema, node, old_node if transition else None, node_path
            )
            if error is not None:
                errors.append(error)
    return errors


def _walk(
    schema: Schema, value: Any, old: Any, path: str
) -> Iterator[tuple[Schema, Any, Any, str]]:
    """Each (schema, value, correlated old value, path), children after their parent."""
    if value is None:
        return
    yield schema, value, old, path
    if isinstance(value, dict):
        properties: Schema = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key, extra if isinstance(extra, Mapping) else None)
            if child is None or (key == "metadata" and not path):
                continue
            old_item = old.get(key) if isinstance(old, Mapping) else None
            yield from _walk(child, item, old_item, _join(path, key, bracket=key not in properties))
    elif isinstance(value, list):
        items: Schema = schema.get("items", {})
        for index, item in enumerate(value):
            yield from _walk(items, item, _correlate(schema, item, old), f"{path}[{index}]")


def _correlate(schema: Schema, item: Any, old: Any) -> Any:
    """The old item a list item corresponds to: only map-lists correlate, by their keys."""
    if schema.get("x-kubernetes-list-type") != "map" or not isinstance(old, list):
        return None
    keys = schema.get("x-kubernetes-list-map-keys", [])
    for candidate in old:
        if all(candidate.get(key) == item.get(key) for key in keys):
            return candidate
    return None


def _check_rule(
    rule: Mapping[str, Any], schema: Schema, value: Any, old: Any, path: str
) -> FieldError | None:
    error_path = path + rule.get("fieldPath", "") if path else rule.get("fieldPath", "")[1:]
    try:
        old_cel = cel_rules.to_cel(schema, old) if old is not None else None
        if cel_rules.evaluate(rule["rule"], cel_rules.to_cel(schema, value), old_cel):
            return None
        message = rule.get("message") or f"failed rule: {rule['rule']}"
    except cel_rules.RuleError as failure:
        return _invalid(path or "<nil>", schema.get("type", ""), f"{rule['rule']}: {failure}")
    error_type = _RULE_REASONS[rule.get("reason", "FieldValueInvalid")]
    shows_value = error_type is ErrorType.INVALID
    return FieldError(error_path or "<nil>", error_type, message, schema.get("type"), shows_value)


# --- helpers ------------------------------------------------------------------------------


_PATH_STEP = re2.compile(r"\.?([^.\[\]]+)|\[([^\]]*)\]")


def _ratchet(errors: list[FieldError], new: Any, old: Mapping[str, Any] | None) -> list[FieldError]:
    """Validation ratcheting (on by default since Kubernetes 1.30): an update may keep a value
    that no longer validates, so an error on a field the update leaves unchanged is dropped."""
    if old is None:
        return errors
    return [error for error in errors if _at(new, error.path) != _at(old, error.path)]


def _at(obj: Any, path: str) -> Any:
    """The value at an error's path (``spec.items[2].add[Project]``), or a fresh marker."""
    value = obj
    for name, key in _PATH_STEP.findall(path):
        step = name or key
        if isinstance(value, Mapping) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return object()  # unresolvable: never equal, so the error stays
    return value


def _join(path: str, key: str, bracket: bool = False) -> str:
    if bracket:
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(path, ErrorType.INVALID, detail, value, shows_value=True)


def _type_error(path: str, kind: str, value: Any) -> FieldError:
    shown = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    return FieldError(
        path,
        ErrorType.INVALID,
        f"{path} in body must be of type {kind}: {json.dumps(shown)}",
        shown,
        shows_value=True,
        blocks_rules=True,
    )
