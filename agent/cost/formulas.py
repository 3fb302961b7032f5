"""Pricers for the billing formulas many resource types share, made from a row of values.

A type whose price is one figure from the table (a flat monthly price, an hourly price all
month, or a usage figure at a unit price, shown as it is or in millions) is a row in its module's pricer table, e.g.
``hourly_pricer("public_ipv4_hour", "public IPv4")``; a type that needs its own arithmetic keeps a
function of its own.
"""

from __future__ import annotations

from autcloud.agent.cost.context import Attrs, Priced, Pricer, PricingContext, qty, usd


def monthly_pricer(kind: str, what: str, note: str = "") -> Pricer:
    """Billed a flat amount a month (a key, a secret, a hosted zone): "<what> @ $x/month"."""

    def price(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
        monthly = ctx.price(kind)
        return Priced(monthly, f"{what} @ {usd(monthly)}/month{note}")

    return price


def hourly_pricer(kind: str, what: str, note: str = "") -> Pricer:
    """Billed by the hour, all month (``hours_per_month``): "<what> × 730 h @ $x/h"."""

    def price(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
        hourly = ctx.price(kind)
        return Priced(hourly * ctx.hours, f"{what} × {qty(ctx.hours)} h @ {usd(hourly)}/h{note}")

    return price


def usage_pricer(
    field: str,
    kind: str,
    what: str,
    unit: str,
    *,
    per: float = 1,
    shared_by: tuple[str, ...] = (),
    note: str = "",
) -> Pricer:
    """Billed for one usage figure (a :class:`UsageAssumptions` ``field``) at ``kind`` per
    ``per`` of it: "<amount> <what> @ $x<unit>". Resources of ``shared_by`` (default: the
    resource's own type) share the figure evenly."""

    def price(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
        amount = _share_of(ctx, field, address, shared_by)
        unit_price = ctx.price(kind)
        return Priced(
            amount / per * unit_price, f"{qty(amount)} {what} @ {usd(unit_price)}{unit}{note}"
        )

    return price


def millions_pricer(field: str, kind: str, what: str) -> Pricer:
    """Billed per million of a usage figure shared by resources of the type, and shown in
    millions: "0.5M <what> @ $x/M"."""

    def price(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
        millions = _share_of(ctx, field, address, ()) / 1e6
        per_million = ctx.price(kind)
        return Priced(millions * per_million, f"{qty(millions)}M {what} @ {usd(per_million)}/M")

    return price


def _share_of(ctx: PricingContext, field: str, address: str, shared_by: tuple[str, ...]) -> float:
    """This resource's even share of the usage figure ``field``, spread over the resources of
    ``shared_by`` (default: of the type of ``address``)."""
    types = shared_by or (address.split(".", 1)[0],)
    return float(getattr(ctx.usage, field)) * ctx.share(*types)
