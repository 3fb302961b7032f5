"""The engine's YAML data files (capabilities, regions, diagram catalog, core evidence, the
lexicon), read with libyaml's parser when PyYAML has it: about ten times faster than the pure
Python one, which these files, read at start-up, would otherwise cost every command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

__all__ = ["DuplicateKeyError", "SafeLoader", "load_yaml", "load_yaml_unique_keys"]


class DuplicateKeyError(ValueError):
    """A mapping gives one key twice (plain YAML would keep the last silently)."""

    def __init__(self, file_name: str, key: Any) -> None:
        super().__init__(f"{file_name}: {key!r} is given twice")
        self.file_name = file_name
        self.key = key


def load_yaml(path: Path) -> Any:
    """The file's data, read as yaml.safe_load reads it."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)


class _UniqueKeyLoader(SafeLoader):
    file_name = ""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(self.file_name, key)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def load_yaml_unique_keys(path: Path) -> Any:
    """The file's data as :func:`load_yaml` reads it, refusing a key given twice in a mapping
    (:class:`DuplicateKeyError` names the file and the key)."""
    loader = _UniqueKeyLoader(path.read_text(encoding="utf-8"))
    loader.file_name = path.name
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
