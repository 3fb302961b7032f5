"""Small edits of a JSON object by the paths the apiserver prints (``spec.metrics[0].stat``).

Each malformed object in the tests is a valid one with one edit, so the table of cases reads as
"this field, this value, this error".
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

Edit = Callable[[dict[str, Any]], None]
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _SEGMENT.findall(path)]


def _parent(obj: Any, parts: list[str | int]) -> Any:
    for part in parts[:-1]:
        obj = obj[part]
    return obj


def setting(path: str, value: Any) -> Edit:
    """Set the field at ``path`` (its parents must exist)."""

    def edit(obj: dict[str, Any]) -> None:
        parts = _parts(path)
        _parent(obj, parts)[parts[-1]] = copy.deepcopy(value)

    return edit


def removing(path: str) -> Edit:
    """Remove the field at ``path``."""

    def edit(obj: dict[str, Any]) -> None:
        parts = _parts(path)
        del _parent(obj, parts)[parts[-1]]

    return edit


def edited(obj: dict[str, Any], *edits: Edit) -> dict[str, Any]:
    """A deep copy of ``obj`` with the edits applied in order."""
    result = copy.deepcopy(obj)
    for edit in edits:
        edit(result)
    return result
