"""What a per-resource pricer sees: resolved attributes, the price table, the usage, the module.

Attribute values may be references. ``${var.x}`` and ``${local.x}`` resolve from variable
defaults and locals; anything else (expressions, other resources' attributes) cannot be
known before apply, so the pricer's documented default is used and a note says so in the basis.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from autcloud.agent.cost.prices import PriceTable
from autcloud.agent.cost.usage import UsageAssumptions
from autcloud.agent.tfparse import TerraformModule, as_number

_SIMPLE_REFERENCE = re.compile(r"^\$\{\s*(var|local)\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}$")
_RESOURCE_REFERENCE = re.compile(r"\$\{[^}]*?\b(aws_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")
_MAX_DEPTH = 8  # locals referring to locals; deeper chains are treated as unresolvable


class NotPricedError(Exception):
    """The resource cannot be priced; the message says why (it becomes the line's basis)."""


class _Unresolved:
    def __repr__(self) -> str:
        return "<unresolved>"


UNRESOLVED = _Unresolved()


@dataclass(frozen=True)
class Priced:
    monthly_usd: float
    basis: str


class Resolver:
    """Resolves ``${var.x}``/``${local.x}`` to literals from the module, else UNRESOLVED."""

    def __init__(self, module: TerraformModule) -> None:
        self._module = module

    def value(self, raw: Any, depth: int = 0) -> Any:
        if isinstance(raw, str) and "${" in raw:
            match = _SIMPLE_REFERENCE.match(raw)
            if match is None or depth >= _MAX_DEPTH:
                return UNRESOLVED
            scope, name = match.groups()
            if scope == "var":
                variable = self._module.variables.get(name, {})
                if "default" not in variable:
                    return UNRESOLVED
                return self.value(variable["default"], depth + 1)
            if name not in self._module.locals:
                return UNRESOLVED
            return self.value(self._module.locals[name], depth + 1)
        return raw


def referenced_address(raw: Any) -> str | None:
    """``aws_x.y`` when ``raw`` is a string referring to a managed resource, else None."""
    if not isinstance(raw, str):
        return None
    match = _RESOURCE_REFERENCE.search(raw)
    return f"{match.group(1)}.{match.group(2)}" if match else None


class Attrs:
    """One resource's (or block's) attributes, resolved on read; notes collect assumptions."""

    def __init__(self, raw: dict[str, Any], resolver: Resolver, notes: list[str]) -> None:
        self.raw = raw
        self._resolver = resolver
        self.notes = notes

    def get(self, key: str) -> Any:
        """The resolved value, None when absent, UNRESOLVED when it cannot be known."""
        if key not in self.raw:
            return None
        return self._resolver.value(self.raw[key])

    def number(self, key: str, default: float) -> float:
        value = self.get(key)
        if value is None:
            return default
        number = as_number(value)
        if number is None:
            self.notes.append(f"{key} = {self.raw[key]} unknown before apply; assumed {default:g}")
            return default
        return number

    def text(self, key: str, default: str) -> str:
        value = self.get(key)
        if value is None:
            return default
        if value is UNRESOLVED or not isinstance(value, str | int | float):
            self.notes.append(f"{key} = {self.raw[key]} unknown before apply; assumed {default}")
            return default
        return str(value)

    def required_text(self, key: str) -> str:
        """A value the price depends on entirely: raises NotPricedError when unknown."""
        value = self.get(key)
        if value is None:
            raise NotPricedError(f"{key} is not set")
        if not isinstance(value, str):
            raise NotPricedError(f"{key} = {self.raw[key]} is unknown before apply")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.notes.append(f"{key} = {self.raw[key]} unknown before apply; assumed {default}")
        return default

    def strings(self, key: str) -> list[str] | None:
        """A list of strings (``[var.x]`` elements resolved), or None when absent or unknown."""
        value = self.get(key)
        if not isinstance(value, list):
            return None
        # An element that cannot be resolved stays as written (a list of references still counts).
        items = [v if (r := self._resolver.value(v)) is UNRESOLVED else r for v in value]
        if all(isinstance(v, str) for v in items):
            return [str(v) for v in items]
        return None

    def blocks(self, key: str) -> list[Attrs]:
        value = self.raw.get(key)
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            return []
        return [Attrs(v, self._resolver, self.notes) for v in value if isinstance(v, dict)]

    def block(self, key: str) -> Attrs | None:
        found = self.blocks(key)
        return found[0] if found else None

    def reference(self, key: str) -> str | None:
        return referenced_address(self.raw.get(key))


@dataclass
class PricingContext:
    """Everything a pricer may consult besides its own attributes."""

    module: TerraformModule
    region: str
    usage: UsageAssumptions
    table: PriceTable
    resolver: Resolver
    instances: dict[str, int] = field(default_factory=dict)  # address → instance count

    def price(self, kind: str, name: str | None = None) -> float:
        return self.table.price(kind, self.region, name)

    def listed_price(self, kind: str, name: str, what: str, *, naming_kind: bool = False) -> float:
        """The price of ``name`` (an instance class, a volume type) under ``kind``; a resource
        whose name the table does not list is not priced: "<what> <name> is not in the price
        table", followed by the kind where one name has prices under several kinds."""
        if not self.table.has(kind, name):
            where = f" ({kind})" if naming_kind else ""
            raise NotPricedError(f"{what} {name} is not in the price table{where}")
        return self.price(kind, name)

    @property
    def hours(self) -> float:
        return self.usage.hours_per_month

    def share(self, *types: str) -> float:
        """This instance's even share of a usage figure spread over resources of ``types``."""
        total = sum(n for address, n in self.instances.items() if address.split(".", 1)[0] in types)
        return 1.0 / total if total else 1.0

    def attrs(self, address: str, notes: list[str]) -> Attrs | None:
        """Attributes of another resource of the module, by address."""
        rtype, _, name = address.partition(".")
        raw = self.module.resources.get(rtype, {}).get(name)
        return Attrs(raw, self.resolver, notes) if raw is not None else None

    def referring_addresses(self, rtype: str, address: str) -> Iterator[str]:
        """Addresses of resources of ``rtype`` whose values mention ``address``."""
        needle = f"{address}."
        for name, candidate in self.module.resources.get(rtype, {}).items():
            if _mentions(candidate, needle):
                yield f"{rtype}.{name}"

    def referring(self, rtype: str, address: str) -> Iterator[dict[str, Any]]:
        """Raw attributes of resources of ``rtype`` whose values mention ``address``."""
        needle = f"{address}."
        for candidate in self.module.resources.get(rtype, {}).values():
            if _mentions(candidate, needle):
                yield candidate


def _mentions(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value
    if isinstance(value, dict):
        return any(_mentions(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, needle) for v in value)
    return False


Pricer = Callable[[PricingContext, Attrs, str], Priced]
"""Prices one instance of a resource: (context, attributes, address) → monthly USD and basis."""


def usd(amount: float) -> str:
    """A unit price or amount as text: enough digits to show sub-cent prices."""
    if amount == 0:
        return "$0"
    if abs(amount) >= 100:
        return f"${amount:,.0f}"
    if abs(amount) >= 0.01:
        return f"${amount:.4g}"
    return f"${amount:.3g}"


def qty(amount: float) -> str:
    """A quantity as text: 730, 0.5, 1.25M."""
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:g}M"
    return f"{amount:,.4g}" if amount < 10_000 else f"{amount:,.0f}"
