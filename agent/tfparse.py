"""Read a Terraform folder into plain Python data, for checks, costing and diagrams.

python-hcl2 keeps quotes and marks blocks by default; this loader asks for clean string values
and flattens its list-of-singletons layout into ``{type: {name: attributes}}`` maps. References
come back as ``"${aws_vpc.main.id}"`` strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

_OPTIONS = SerializationOptions(strip_string_quotes=True)


class TerraformParseError(ValueError):
    """A file that is not valid HCL2; the message names the file."""


@dataclass
class TerraformModule:
    """The top-level objects of one Terraform folder, keyed by type then name."""

    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    providers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    imports: list[dict[str, Any]] = field(default_factory=list)

    def iter_resources(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(type, name, attributes) for every managed resource."""
        for rtype, by_name in self.resources.items():
            for name, attributes in by_name.items():
                yield rtype, name, attributes

    @property
    def addresses(self) -> set[str]:
        managed = {f"{t}.{n}" for t, n, _ in self.iter_resources()}
        data = {f"data.{t}.{n}" for t, names in self.data.items() for n in names}
        return managed | data


def as_number(value: Any) -> float | None:
    """A Terraform value as a number: ints, floats and numeric strings ("3" and 3 mean the same in
    Terraform); booleans and anything else are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_text(text: str, filename: str = "<text>") -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = hcl2.loads(text, serialization_options=_OPTIONS)
    except Exception as error:  # python-hcl2 raises lark errors of several kinds
        raise TerraformParseError(f"{filename}: {error}") from error
    return parsed


def load_folder(folder: Path) -> TerraformModule:
    """Parse every ``*.tf`` file of ``folder`` (not sub-folders) into one module."""
    return load_texts({path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.tf")})


def load_texts(files: dict[str, str]) -> TerraformModule:
    """Like :func:`load_folder`, from ``{filename: text}`` in memory."""
    module = TerraformModule()
    for name, text in sorted(files.items()):
        _merge(module, _parse_once(text, name))
    return module


def forget_parsed() -> None:
    """Empty the parse cache (benchmarks measure parsing, not the cache)."""
    _parse_once.cache_clear()


@lru_cache(maxsize=128)
def _parse_once(text: str, filename: str) -> dict[str, Any]:
    # A design's files are parsed by validation, again after a fix that left most files alone,
    # and by the diagram; HCL parsing is the slowest step of all three. _merge copies what it
    # keeps, so the cached tree is never handed out to be changed.
    return parse_text(text, filename)


def _merge(module: TerraformModule, parsed: dict[str, Any]) -> None:
    for entry in parsed.get("resource", []):
        for rtype, by_name in entry.items():
            for name, attributes in by_name.items():
                module.resources.setdefault(rtype, {})[name] = _clean(attributes)
    for entry in parsed.get("data", []):
        for rtype, by_name in entry.items():
            for name, attributes in by_name.items():
                module.data.setdefault(rtype, {})[name] = _clean(attributes)
    for entry in parsed.get("variable", []):
        for name, attributes in entry.items():
            module.variables[name] = _clean(attributes)
    for entry in parsed.get("output", []):
        for name, attributes in entry.items():
            module.outputs[name] = _clean(attributes)
    for entry in parsed.get("locals", []):
        module.locals.update(_clean(entry))
    for entry in parsed.get("provider", []):
        for name, attributes in entry.items():
            module.providers.append((name, _clean(attributes)))
    for entry in parsed.get("import", []):
        module.imports.append(_clean(entry))


def _clean(value: Any) -> Any:
    """Drop python-hcl2's bookkeeping keys (``__is_block__``, ``__comments__``)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value
