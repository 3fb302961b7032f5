"""Network options as stated: how many availability zones the VPC spans, one NAT gateway or one per
zone, and the VPC's CIDR block. They tune the core network (agent/catalog/network.py); a design
without a VPC keeps none of them, and the ledger says so."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare, reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.network import add_network
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.ledger import Evidence, instances, resolve
from autcloud.agent.patterns import patterns
from autcloud.agent.regions import get_region
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("network_options")

MIN_AZS, MAX_AZS = 2, 6
MIN_PREFIX, MAX_PREFIX = 16, 20  # subnets are /prefix+8; /28 is the smallest AWS subnet

_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "두": 2, "세": 3, "네": 4}


def _zone_count(match: re.Match[str]) -> int | None:
    word = next(g for g in match.groups() if g)
    return _NUMBERS.get(word.lower()) or (int(word) if word.isdigit() else None)


def _read_nat(text: str) -> Iterator[tuple[str, Any]]:
    for match in PATTERNS["no_nat"].finditer(text):
        yield match.group(0).strip(), "none"
    for match in PATTERNS["nat"].finditer(text):
        if PATTERNS["no_nat"].search(text, max(0, match.start() - 12), match.end() + 12):
            continue
        yield match.group(0).strip(), "per_az" if match.group("per") else "single"


_CIDR = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})(?![\d.])")


def _read_vpc_cidr(text: str) -> Iterator[tuple[str, Any]]:
    """A CIDR named with the VPC ("VPC CIDR 10.20.0.0/16") first, then a bare private range
    nobody called an allowed source or someone else's network ("only from 10.8.0.0/16",
    "client CIDR 172.16.0.0/22" and "factory network (192.168.0.0/16)" are not the VPC's)."""
    named: list[tuple[str, str]] = []
    bare: list[tuple[str, str]] = []
    for quote, value, vpc in _vpc_cidrs(text):
        (named if vpc else bare).append((quote, value))
    yield from named
    yield from bare


def _vpc_cidrs(text: str) -> Iterator[tuple[str, str, bool]]:
    for match in _CIDR.finditer(text):
        try:
            network = ipaddress.ip_network(match.group(1), strict=False)
        except ValueError:
            continue
        before = text[max(0, match.start() - 30) : match.start()]
        after = text[match.end() : match.end() + 12]
        vpc, allow = (
            _nearest(PATTERNS["vpc_words"], before, after),
            _nearest(PATTERNS["allow_words"], before, after),
        )
        if allow is not None and (vpc is None or allow < vpc):
            continue  # an allowed source, not the VPC's range
        other = _nearest(PATTERNS["other_network"], before, "")
        if other is not None and (vpc is None or other < vpc):
            continue  # the clients', the office's or the data centre's range
        if vpc is not None or private_range(network):
            yield match.group(0), str(network), vpc is not None


def _nearest(words: re.Pattern[str], before: str, after: str) -> int | None:
    """How far the closest of the words is from the CIDR (characters), or None."""
    distances = [len(before) - m.end() for m in words.finditer(before)]
    following = words.match(after.lstrip())  # only what directly follows ("…/24에서만", "…/16 VPC")
    if following:
        distances.append(len(after) - len(after.lstrip()))
    return min(distances) if distances else None


_RFC1918 = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def private_range(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """A private range a VPC or a VPN uses (documentation ranges such as 203.0.113.0/24 are not)."""
    return isinstance(network, ipaddress.IPv4Network) and any(
        network.subnet_of(r) for r in _RFC1918
    )


@dataclass(frozen=True)
class NatParameter(Parameter):
    """Proven by the NAT gateways' count: 1, or the zone count (var.az_count)."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        if value == "none":
            if any(True for _ in instances(module, self.type)):
                return []
            return [Evidence(address=self.type, op="absent")]
        zones = resolve(module, "${var.az_count}")
        for address, body in instances(module, self.type):
            count = str(body.get("count", "")).strip("${} ")  # as written: 1, or var.az_count
            if value == "single" and count == "1":
                return [Evidence(address=address, attribute="count", op="==", value=1)]
            if value == "per_az" and count == "var.az_count" and zones is not None:
                return [Evidence(address=address, attribute="count", op="==", value=zones)]
        return []


def _set_az_count(bp: Blueprint, ctx: Context, wanted: Any) -> None:
    variable = bp.variables.get("az_count")
    if variable is None or not isinstance(wanted, int):
        return
    try:
        available = get_region(ctx.req.region).az_count
    except ValueError:
        available = MAX_AZS
    if not MIN_AZS <= wanted <= min(MAX_AZS, available):
        bp.notes.append(
            f"Availability zones: {wanted} asked, but {ctx.req.region} allows "
            f"{MIN_AZS}-{min(MAX_AZS, available)} here; the VPC keeps {variable.default}."
        )
        return
    bp.variables["az_count"] = dataclasses.replace(
        variable,
        default=wanted,
        validation=(
            f"var.az_count >= {MIN_AZS} && var.az_count <= {MAX_AZS}",
            f"az_count must be between {MIN_AZS} and {MAX_AZS}.",
        ),
    )
    for spec in bp.resources:
        # one subnet per zone: the count is the zone count (local.azs has var.az_count entries)
        if spec.type == "aws_subnet" and spec.body.get("count") == Expr("length(local.azs)"):
            spec.body["count"] = Expr("var.az_count")
    vpc = bp.find("aws_vpc.main")
    if vpc is not None:
        vpc.reason = f"One VPC for the workload, spread over {wanted} availability zones, as asked."


def _set_nat(bp: Blueprint, layout: Any) -> None:
    eip, nat, routes = (
        bp.find("aws_eip.nat"),
        bp.find("aws_nat_gateway.main"),
        bp.find("aws_route_table.private"),
    )
    if eip is None or nat is None or routes is None or layout not in ("single", "per_az"):
        return
    per_az = layout == "per_az"
    count = Expr("var.az_count" if per_az else "1")
    eip.body["count"] = count
    nat.body["count"] = count
    route = routes.body.get("route")
    if isinstance(route, Block):
        route.body["nat_gateway_id"] = Expr(
            "aws_nat_gateway.main[count.index].id" if per_az else "aws_nat_gateway.main[0].id"
        )
    nat.reason = (
        "A NAT gateway per zone, as asked: losing one zone never cuts the others off."
        if per_az
        else "One shared NAT gateway, as asked: cheaper, but outbound traffic depends on its zone."
    )


@dataclass(frozen=True)
class AbsentParameter(Parameter):
    """Proven by the absence of every resource of its type."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        if any(True for _ in instances(module, self.type)):
            return []
        return [Evidence(address=self.type, op="absent")]


def _remove(
    bp: Blueprint, addresses: set[str], outputs: frozenset[str] | set[str] = frozenset()
) -> bool:
    """Drop these resources (and outputs) unless something left in the design refers to them."""
    kept = [r for r in bp.resources if r.address not in addresses]
    if any(r.references() & addresses for r in kept):
        return False
    bp.resources[:] = kept
    bp.outputs[:] = [o for o in bp.outputs if o.name not in outputs]
    return True


def _drop_nat(bp: Blueprint) -> bool:
    routes = bp.find("aws_route_table.private")
    route = routes.body.get("route") if routes is not None else None
    saved = route
    if routes is not None and isinstance(route, Block) and "nat_gateway_id" in route.body:
        routes.body.pop("route")
        routes.reason = (
            "The private subnets' routes: no NAT gateway, as asked; AWS APIs through VPC endpoints."
        )
    if _remove(bp, {"aws_nat_gateway.main", "aws_eip.nat"}):
        bp.notes.append(
            "No NAT gateway, as asked: the private subnets reach AWS services only through VPC endpoints."
        )
        return True
    if routes is not None and saved is not None:
        routes.body["route"] = saved
    bp.notes.append(
        "No NAT gateway was asked for, but something in the design sends traffic through it."
    )
    return False


def _drop_internet(bp: Blueprint) -> None:
    if not _drop_nat(bp):
        return
    for spec in bp.resources:  # gateway endpoints serve the remaining route tables only
        tables = spec.body.get("route_table_ids") if spec.type == "aws_vpc_endpoint" else None
        if isinstance(tables, Expr) and "aws_route_table.public.id" in tables.text:
            text = tables.text.replace("aws_route_table.public.id, ", "")
            text = re.sub(r"^concat\(\[aws_route_table\.public\.id\],\s*(.*)\)$", r"\1", text)
            spec.body["route_table_ids"] = Expr(text)
    if _remove(
        bp,
        {
            "aws_internet_gateway.main",
            "aws_subnet.public",
            "aws_route_table.public",
            "aws_route_table_association.public",
        },
        {"public_subnet_ids"},
    ):
        bp.notes.append(
            "No internet gateway and no public subnets, as asked: the VPC is private only."
        )
    else:
        bp.notes.append(
            "No internet gateway was asked for, but the design has a public entry point that needs one."
        )


def _set_vpc_cidr(bp: Blueprint, cidr: Any) -> None:
    variable = bp.variables.get("vpc_cidr")
    if variable is None or not isinstance(cidr, str):
        return
    network = ipaddress.ip_network(cidr, strict=False)
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        bp.notes.append(
            f"VPC CIDR: {cidr} leaves no room for /{network.prefixlen + 8} subnets in every zone; "
            f"use a /{MIN_PREFIX} to /{MAX_PREFIX} (the VPC keeps {variable.default})."
        )
        return
    bp.variables["vpc_cidr"] = dataclasses.replace(variable, default=str(network))


def _network_asked(ctx: Context) -> bool:
    """The request lays out a VPC itself (its CIDR block or its NAT gateways): it wants one
    even when nothing in the design would need a VPC ("just the network for now")."""
    return "network.vpc_cidr" in ctx.req.params or ctx.req.params.get("network.nat") in (
        "single",
        "per_az",
    )


def build(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_vpc.main") and _network_asked(ctx):
        add_network(bp, ctx, isolated_subnets=bool(ctx.req.params.get("network.isolated")))
    if not bp.has("aws_vpc.main"):
        return
    params = ctx.req.params
    if "network.az_count" in params:
        _set_az_count(bp, ctx, params["network.az_count"])
    if params.get("network.internet") == "none":
        _drop_internet(bp)
    elif params.get("network.nat") == "none":
        _drop_nat(bp)
    elif "network.nat" in params:
        _set_nat(bp, params["network.nat"])
    if "network.vpc_cidr" in params:
        _set_vpc_cidr(bp, params["network.vpc_cidr"])


CAPABILITY = declare(
    "network_options",
    build=build,
    readers={
        "network.az_count": reader(PATTERNS["az_count"], _zone_count),
        "network.nat": _read_nat,
        "network.vpc_cidr": _read_vpc_cidr,
        "network.internet": reader(PATTERNS["no_internet"], lambda match: "none"),
        "network.isolated": reader(PATTERNS["isolated"], lambda match: "data"),
    },
)
