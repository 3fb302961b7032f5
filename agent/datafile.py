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

__all__ = ["SafeLoader", "load_yaml"]


def load_yaml(path: Path) -> Any:
    """The file's data, read as yaml.safe_load reads it."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
