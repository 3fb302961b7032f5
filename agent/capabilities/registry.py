"""The registry: every capability module of this package, found by itself, and the services the
engine does not build (unsupported.yaml), so none is ever dropped in silence."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from autcloud.agent import capabilities as _package
from autcloud.agent.capabilities.base import Capability, Registry, Unsupported
from autcloud.agent.datafile import load_yaml

_FOLDER = Path(__file__).resolve().parent
_NOT_CAPABILITIES = {"base", "registry"}


@cache
def registry() -> Registry:
    found = Registry()
    # The package's own path (not the source folder) so only importable modules are found.
    for module_info in sorted(pkgutil.iter_modules(_package.__path__), key=lambda m: m.name):
        if module_info.name in _NOT_CAPABILITIES:
            continue
        module = importlib.import_module(f"{_package.__name__}.{module_info.name}")
        declared: list[Capability] = list(getattr(module, "CAPABILITIES", []))
        single = getattr(module, "CAPABILITY", None)
        if single is not None:
            declared.append(single)
        found.capabilities.extend(declared)
    keys = [c.key for c in found.capabilities]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"capability keys declared twice: {', '.join(duplicates)}")
    data = load_yaml(_FOLDER / "unsupported.yaml")
    for key, entry in data["services"].items():
        found.unsupported[key] = Unsupported(key=key, name=entry["name"], why=entry["why"])
    return found
