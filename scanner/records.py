"""What a found object of each kind is read from (``records.yaml``): which field of the API's
answer holds its key, import ID and name, and which fields become which Terraform arguments.

Collectors keep only what differs per kind (extra describe calls, references, computed values)
and hand the described item to :meth:`ScanContext.record <autcloud.scanner.context.ScanContext.record>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from autcloud.agent.datafile import load_yaml_unique_keys

RECORDS_FILE = Path(__file__).resolve().parent / "records.yaml"

FieldPath = tuple[str, ...]
# How a field is read: as AWS answers it (missing: not written), written only where AWS
# reports it (the argument has a provider default an import would not record: ignored
# otherwise), or required (missing: the answer is not what the API promises, KeyError).
Mode = Literal["field", "reported", "required"]
KEYED_MODES: tuple[Mode, ...] = ("reported", "required")  # written {mode: field}


@dataclass(frozen=True)
class Argument:
    """One Terraform argument of a kind. ``path`` None: computed by the collector."""

    name: str
    path: FieldPath | None = None
    mode: Mode = "field"


@dataclass(frozen=True)
class RecordShape:
    kind: str
    key: str
    import_id: str | None
    name: str | None
    name_tag: str | None  # the tag that names it where set (EC2's Name), over ``name``
    arguments: tuple[Argument, ...]
    # Never recorded by an import: terraform-only settings (how terraform applies, waits or
    # deletes) and create-only ones AWS does not report.
    unrecorded: tuple[str, ...]

    @property
    def slots(self) -> frozenset[str]:
        """The arguments the table names."""
        return frozenset(argument.name for argument in self.arguments)

    def read(
        self, item: Mapping[str, Any], computed: Mapping[str, Any]
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """(arguments, unrecorded arguments) of ``item``: the table's arguments in its order,
        ``computed`` ones in their slots, then any other ``computed`` ones in their own order."""
        read = set(computed) & {a.name for a in self.arguments if a.path is not None}
        if read:
            raise ValueError(
                f"{RECORDS_FILE.name}: {self.kind} reads {sorted(read)} from fields: not computed"
            )
        arguments: dict[str, Any] = {}
        unrecorded = list(self.unrecorded)
        for argument in self.arguments:
            if argument.path is None:
                if argument.name in computed:
                    arguments[argument.name] = computed[argument.name]
                continue
            if argument.mode == "required":
                value = required_at(item, argument.path)
            else:
                value = field_at(item, argument.path)
            if argument.mode == "reported" and value is None:
                unrecorded.append(argument.name)
            else:
                arguments[argument.name] = value
        for name, value in computed.items():
            if name not in self.slots:
                arguments[name] = value
        return arguments, tuple(unrecorded)


def field_at(item: Mapping[str, Any] | None, path: FieldPath) -> Any:
    """The value at ``path`` of nested fields (a missing or empty one on the way: None)."""
    value: Any = item
    for key in path:
        value = (value or {}).get(key)
    return value


def required_at(item: Mapping[str, Any], path: FieldPath) -> Any:
    """The value at ``path`` of nested fields; KeyError where one is missing."""
    value: Any = item
    for key in path:
        value = value[key]
    return value


def _path(kind: str, argument: str, spec: Any) -> FieldPath:
    if isinstance(spec, str):
        return (spec,)
    if isinstance(spec, list) and spec and all(isinstance(part, str) for part in spec):
        return tuple(spec)
    raise ValueError(
        f"{RECORDS_FILE.name}: {kind}.arguments.{argument} must be a field name, a list of"
        f" field names (a path), {{reported: field}}, {{required: field}} or ~ (computed),"
        f" not {spec!r}"
    )


def _argument(kind: str, name: str, spec: Any) -> Argument:
    if spec is None:
        return Argument(name)
    if isinstance(spec, dict) and len(spec) == 1:
        ((mode, field),) = spec.items()
        if mode in KEYED_MODES:
            return Argument(name, _path(kind, name, field), mode)
    return Argument(name, _path(kind, name, spec))


def _shape(kind: str, row: dict[str, Any]) -> RecordShape:
    unknown = set(row) - {"key", "import", "name", "name_tag", "arguments", "unrecorded"}
    if unknown or "key" not in row:
        raise ValueError(
            f"{RECORDS_FILE.name}: {kind} takes key (required), import, name, name_tag,"
            f" arguments and unrecorded; got {sorted(row)}"
        )
    return RecordShape(
        kind=kind,
        key=row["key"],
        import_id=row.get("import"),
        name=row.get("name"),
        name_tag=row.get("name_tag"),
        arguments=tuple(
            _argument(kind, name, spec) for name, spec in (row.get("arguments") or {}).items()
        ),
        unrecorded=tuple(row.get("unrecorded") or ()),
    )


def load_records(path: Path = RECORDS_FILE) -> dict[str, RecordShape]:
    data = load_yaml_unique_keys(path)
    return {kind: _shape(kind, row) for kind, row in data.items()}


RECORDS = load_records()
