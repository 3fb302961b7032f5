"""A monthly cost estimate of a Terraform design from the shipped price table, offline.

Each managed resource becomes one :class:`CostLine`: priced by the pricer of its type (times its
``count``/``for_each`` instances), "no charge" for types AWS does not bill, or "not priced" for
types the table does not cover (listed in :attr:`CostEstimate.unpriced`, never dropped).
See docs/cost.md for the method and its assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autcloud.agent.cost.compute import COMPUTE_PRICERS
from autcloud.agent.cost.context import (
    Attrs,
    NotPricedError,
    Pricer,
    PricingContext,
    Resolver,
    qty,
)
from autcloud.agent.cost.data_stores import DATA_STORE_PRICERS
from autcloud.agent.cost.free import is_free
from autcloud.agent.cost.network import NETWORK_PRICERS
from autcloud.agent.cost.prices import PriceTable, default_table
from autcloud.agent.cost.services import SERVICE_PRICERS
from autcloud.agent.cost.usage import UsageAssumptions
from autcloud.agent.regions import get_region
from autcloud.agent.tfparse import TerraformModule

PRICERS: dict[str, Pricer] = {
    **COMPUTE_PRICERS,
    **DATA_STORE_PRICERS,
    **NETWORK_PRICERS,
    **SERVICE_PRICERS,
}
PRICED_TYPES: frozenset[str] = frozenset(PRICERS)

NO_CHARGE = "no charge"
NOT_PRICED = "not priced"


@dataclass(frozen=True)
class CostLine:
    address: str
    resource_type: str
    monthly_usd: float
    basis: str  # the arithmetic in a short sentence, e.g. "2 × db.t4g.medium Multi-AZ × 730 h"
    priced: bool = True  # False when the table could not price it (see CostEstimate.unpriced)


@dataclass(frozen=True)
class CostEstimate:
    region: str
    lines: list[CostLine]
    total_usd: float
    currency_note: str
    usage: UsageAssumptions
    as_of: str
    source: str
    krw_per_usd: float  # the table's fixed display rate
    krw_rate_note: str = ""
    unpriced: list[CostLine] = field(default_factory=list)

    def krw(self, rate: float | None = None) -> float:
        """The total in Korean won at ``rate`` KRW per USD (default: the table's fixed rate)."""
        chosen = self.krw_per_usd if rate is None else rate
        if chosen <= 0:
            raise ValueError(f"rate must be a positive number of KRW per USD, got {chosen}")
        return self.total_usd * chosen

    @property
    def total_krw(self) -> float:
        return self.krw()

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "currency": "USD",
            "total_usd": round(self.total_usd, 2),
            "total_krw": round(self.total_krw),
            "krw_per_usd": self.krw_per_usd,
            "krw_rate_note": self.krw_rate_note,
            "as_of": self.as_of,
            "source": self.source,
            "currency_note": self.currency_note,
            "usage": self.usage.to_dict(),
            "lines": [
                {
                    "address": line.address,
                    "resource_type": line.resource_type,
                    "monthly_usd": round(line.monthly_usd, 2),
                    "basis": line.basis,
                    "priced": line.priced,
                }
                for line in self.lines
            ],
            "unpriced": [line.address for line in self.unpriced],
            # With anything unpriced the total is a floor: shown as "at least".
            "lower_bound": bool(self.unpriced),
        }


def estimate_cost(
    module: TerraformModule,
    region: str,
    usage: UsageAssumptions | None = None,
    table: PriceTable | None = None,
) -> CostEstimate:
    """Price every managed resource of ``module`` in ``region`` (a code such as ap-northeast-2)."""
    code = get_region(region).code
    usage = usage or UsageAssumptions()
    table = table or default_table()
    resolver = Resolver(module)
    counts = {
        f"{rtype}.{name}": _instance_count(raw, resolver)
        for rtype, name, raw in module.iter_resources()
    }
    ctx = PricingContext(
        module=module,
        region=code,
        usage=usage,
        table=table,
        resolver=resolver,
        instances={address: int(n) for address, (n, _) in counts.items()},
    )
    lines = [
        _line(ctx, rtype, f"{rtype}.{name}", raw, counts[f"{rtype}.{name}"])
        for rtype, name, raw in module.iter_resources()
    ]
    return CostEstimate(
        region=code,
        lines=lines,
        total_usd=sum(line.monthly_usd for line in lines),
        currency_note=(
            f"{table.currency} on-demand list prices as of {table.as_of}, approximate. {table.note}"
        ),
        usage=usage,
        as_of=table.as_of,
        source=table.source,
        krw_per_usd=table.krw_per_usd,
        krw_rate_note=table.krw_rate_note,
        unpriced=[line for line in lines if not line.priced],
    )


def _instance_count(raw: dict[str, Any], resolver: Resolver) -> tuple[float, list[str]]:
    """How many instances ``count``/``for_each`` create; 1 (with a note) when unknown."""
    notes: list[str] = []
    attrs = Attrs(raw, resolver, notes)
    if "count" in attrs.raw:
        return max(attrs.number("count", 1), 0), notes
    if "for_each" in attrs.raw:
        value = attrs.get("for_each")
        if isinstance(value, list | dict):
            return float(len(value)), notes
        notes.append("for_each keys unknown before apply; priced once")
        return 1.0, notes
    return 1.0, notes


def _line(
    ctx: PricingContext,
    rtype: str,
    address: str,
    raw: dict[str, Any],
    count: tuple[float, list[str]],
) -> CostLine:
    instances, count_notes = count
    pricer = PRICERS.get(rtype)
    if pricer is None:
        if is_free(rtype, PRICED_TYPES):
            return CostLine(address, rtype, 0.0, NO_CHARGE)
        return CostLine(address, rtype, 0.0, NOT_PRICED, priced=False)
    if instances == 0:
        return CostLine(address, rtype, 0.0, "count = 0: nothing is created")
    notes = list(count_notes)
    try:
        priced = pricer(ctx, Attrs(raw, ctx.resolver, notes), address)
    except NotPricedError as error:
        return CostLine(address, rtype, 0.0, f"{NOT_PRICED}: {error}", priced=False)
    basis = priced.basis
    if instances != 1:
        basis = f"{qty(instances)} instances × ({basis})"
    if notes:
        basis += "; " + "; ".join(dict.fromkeys(notes))
    return CostLine(address, rtype, priced.monthly_usd * instances, basis)
