"""The price table shipped with AutCloud (``prices.json``) and look-ups into it.

Prices are USD on-demand list prices for us-east-1 (the base region). A region's price is, in
order: its override in ``region_overrides`` (key ``kind`` or ``kind:name``), else the base price
times the region's multiplier, except for kinds marked ``"regional": false`` that cost the same
everywhere. The planner compares options with :func:`price_of`::

    price_of("nat_gateway_hour", "ap-northeast-2")             # one NAT gateway-hour in Seoul
    price_of("rds_instance_hour", "eu-west-1", "db.t4g.medium")  # one Single-AZ instance-hour
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from autcloud.agent.regions import get_region


class PriceNotFoundError(LookupError):
    """A kind or a name the table does not list; the message says what it does list."""


@dataclass(frozen=True)
class PriceKind:
    """One priced dimension: a single price (``usd``) or prices by name (``by_name``)."""

    unit: str
    regional: bool
    usd: float | None
    by_name: dict[str, float]


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    source: str
    currency: str
    note: str
    krw_per_usd: float
    krw_rate_note: str
    base_region: str
    region_multipliers: dict[str, float]
    region_overrides: dict[str, dict[str, float]]
    kinds: dict[str, PriceKind]

    def price(self, kind: str, region: str, name: str | None = None) -> float:
        """USD for one ``unit`` of ``kind`` (of ``name``, for kinds priced by name) in ``region``."""
        entry = self._kind(kind)
        base = self._base_price(kind, entry, name)
        code = get_region(region).code
        overrides = self.region_overrides.get(code, {})
        key = f"{kind}:{name}" if name is not None else kind
        if key in overrides:
            return overrides[key]
        if not entry.regional:
            return base
        multiplier = self.region_multipliers.get(code)
        if multiplier is None:
            raise PriceNotFoundError(f"the price table has no multiplier for region {code}")
        return base * multiplier

    def has(self, kind: str, name: str) -> bool:
        return kind in self.kinds and name in self.kinds[kind].by_name

    def names(self, kind: str) -> tuple[str, ...]:
        return tuple(self._kind(kind).by_name)

    def unit(self, kind: str) -> str:
        return self._kind(kind).unit

    def _kind(self, kind: str) -> PriceKind:
        entry = self.kinds.get(kind)
        if entry is None:
            known = ", ".join(sorted(self.kinds))
            raise PriceNotFoundError(f"no price kind {kind!r}; the table lists: {known}")
        return entry

    @staticmethod
    def _base_price(kind: str, entry: PriceKind, name: str | None) -> float:
        if entry.by_name:
            if name is None or name not in entry.by_name:
                known = ", ".join(entry.by_name)
                raise PriceNotFoundError(f"{kind} has no price for {name!r}; it lists: {known}")
            return entry.by_name[name]
        if name is not None or entry.usd is None:
            raise PriceNotFoundError(f"{kind} has a single price; call it without a name")
        return entry.usd


DEFAULT_TABLE_PATH = "prices.json"


def parse_table(raw: dict[str, Any]) -> PriceTable:
    """Build a table from the JSON structure of ``prices.json``."""
    kinds = {
        name: PriceKind(
            unit=str(spec["unit"]),
            regional=bool(spec["regional"]),
            usd=float(spec["usd"]) if "usd" in spec else None,
            by_name={k: float(v) for k, v in spec.get("by_name", {}).items()},
        )
        for name, spec in raw["kinds"].items()
    }
    return PriceTable(
        as_of=str(raw["as_of"]),
        source=str(raw["source"]),
        currency=str(raw["currency"]),
        note=str(raw["note"]),
        krw_per_usd=float(raw["krw_per_usd"]),
        krw_rate_note=str(raw["krw_rate_note"]),
        base_region=str(raw["base_region"]),
        region_multipliers={k: float(v) for k, v in raw["region_multipliers"].items()},
        region_overrides={
            region: {k: float(v) for k, v in prices.items()}
            for region, prices in raw["region_overrides"].items()
        },
        kinds=kinds,
    )


def load_table(path: Path | None = None) -> PriceTable:
    """The table at ``path``, or the one shipped with AutCloud."""
    if path is None:
        text = (
            resources.files("autcloud.agent.cost").joinpath(DEFAULT_TABLE_PATH).read_text("utf-8")
        )
    else:
        text = path.read_text(encoding="utf-8")
    return parse_table(json.loads(text))


@cache
def default_table() -> PriceTable:
    return load_table()


def price_of(kind: str, region: str, name: str | None = None) -> float:
    """USD per unit of ``kind`` in ``region`` from the shipped table (see the module docstring)."""
    return default_table().price(kind, region, name)
