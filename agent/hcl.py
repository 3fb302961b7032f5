"""Render Terraform (HCL2) from plain Python values, `terraform fmt`-clean.

The offline provider describes every resource as data; this module is the one place that turns
data into text. Values map to HCL as follows:

- ``str`` → a quoted string (``${`` and ``%{`` escaped, so a value can never become an
  interpolation by accident); ``bool``/``int``/``float`` → literals; ``None`` → attribute omitted;
- :class:`Expr` → the expression text as given (references, function calls);
- :class:`Call` → a function call over a value (``jsonencode({...})``), indented in place;
- ``dict`` → an object/map ``{ key = value }``;
- ``list``/``tuple`` → a list;
- :class:`Block` (or a list of them) under a key → nested block(s) of that type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

INDENT = "  "
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SINGLE_LINE_LIMIT = 80


@dataclass(frozen=True)
class Expr:
    """A raw HCL expression, such as ``aws_vpc.main.id`` or ``var.project``."""

    text: str

    def __str__(self) -> str:
        return self.text


def ref(address: str, attribute: str = "id") -> Expr:
    """A reference to another object's attribute: ``ref("aws_vpc.main")`` → ``aws_vpc.main.id``."""
    return Expr(f"{address}.{attribute}")


@dataclass(frozen=True)
class Call:
    """A function call whose argument is a value, rendered at the depth where it is used."""

    function: str
    argument: Any


def jsonencode(value: Any) -> Call:
    """``jsonencode(...)`` of a Python value (an IAM policy, a container definition)."""
    return Call("jsonencode", value)


@dataclass
class Block:
    """A block: ``resource "aws_vpc" "main" { ... }`` or a nested one (``ingress { ... }``)."""

    type: str
    labels: tuple[str, ...] = ()
    body: dict[str, Any] = field(default_factory=dict)
    comments: tuple[str, ...] = ()

    def render(self, depth: int = 0) -> str:
        return "\n".join(_block_lines(self.type, self, depth))


def render_blocks(blocks: Iterable[Block]) -> str:
    """Render top-level blocks separated by one blank line, ending with a newline."""
    return "\n\n".join(block.render() for block in blocks) + "\n"


def quote(text: str) -> str:
    """An HCL string literal. Template sequences are escaped: values are data, not templates."""
    escaped = json.dumps(text, ensure_ascii=False)
    return escaped.replace("${", "$${").replace("%{", "%%{")


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else quote(name)


def _is_blocks(value: Any) -> bool:
    if isinstance(value, Block):
        return True
    return (
        isinstance(value, list) and bool(value) and all(isinstance(item, Block) for item in value)
    )


def _block_lines(block_type: str, block: Block, depth: int) -> list[str]:
    pad = INDENT * depth
    header = " ".join([block_type, *(quote(label) for label in block.labels)])
    lines = [f"{pad}{INDENT}# {comment}" for comment in block.comments]
    lines = [f"{pad}{header} {{", *lines]
    lines.extend(_body_lines(block.body, depth + 1))
    lines.append(f"{pad}}}")
    return lines


def _body_lines(body: Mapping[str, Any], depth: int) -> list[str]:
    """Attributes first-come order; ``=`` aligned across runs of single-line attributes."""
    pad = INDENT * depth
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in run), default=0)
        lines.extend(f"{pad}{key.ljust(width)} = {value}" for key, value in run)
        run.clear()

    for name, value in body.items():
        if value is None:
            continue
        if _is_blocks(value):
            flush()
            for nested in value if isinstance(value, list) else [value]:
                lines.extend(_block_lines(name, nested, depth))
            continue
        rendered = _render_value(value, depth)
        if "\n" in rendered:
            flush()
            lines.append(f"{pad}{_key(name)} = {rendered}")
        else:
            run.append((_key(name), rendered))
    flush()
    return lines


def _render_value(value: Any, depth: int) -> str:
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, Call):
        return f"{value.function}({_render_value(value.argument, depth)})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return _render_object(value, depth)
    if isinstance(value, Sequence):
        return _render_list(value, depth)
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def _render_list(items: Sequence[Any], depth: int) -> str:
    rendered = [_render_value(item, depth + 1) for item in items]
    single = "[" + ", ".join(rendered) + "]"
    if all("\n" not in item for item in rendered) and len(single) <= _SINGLE_LINE_LIMIT:
        return single
    pad = INDENT * (depth + 1)
    inner = [f"{pad}{item}," for item in rendered]
    return "[\n" + "\n".join(inner) + "\n" + INDENT * depth + "]"


def _render_object(mapping: Mapping[str, Any], depth: int) -> str:
    if not mapping:
        return "{}"
    lines = _body_lines({str(k): v for k, v in mapping.items()}, depth + 1)
    return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"
