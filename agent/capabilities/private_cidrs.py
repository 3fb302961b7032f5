"""Allowed source CIDRs: "only from 203.0.113.0/24", "office IP 203.0.113.10". The load balancer's
ingress rules admit these ranges instead of the whole internet (a single address becomes a /32)."""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import EveryValueParameter, declare
from autcloud.agent.capabilities.network_options import private_range
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Expr
from autcloud.agent.ledger import Evidence, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("private_cidrs")

_ADDRESS = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(/\d{1,2})?(?!\d|\.\d|/\d)")


def _read_allowed(text: str) -> Iterator[tuple[str, Any]]:
    """Every CIDR named as an allowed source, as one list (the first one near an allow word
    starts the list; addresses listed right after it join it)."""
    found: list[str] = []
    start = end = -1
    for match in _ADDRESS.finditer(text):
        try:
            network = ipaddress.ip_network(match.group(1) + (match.group(2) or "/32"), strict=False)
        except ValueError:
            continue
        before = text[max(0, match.start() - 30) : match.start()]
        listed = found and PATTERNS["list_gap"].match(text[end : match.start()])
        allow = _nearest_before(PATTERNS["allow_before"], before)
        vpc = _nearest_before(PATTERNS["vpc_before"], before)
        named = allow is not None and (vpc is None or allow < vpc)
        if listed or named or PATTERNS["allow_after"].match(text[match.end() : match.end() + 8]):
            if not found:
                start = match.start()
            found.append(str(network))
            end = match.end()
    if found:
        yield text[start:end], list(dict.fromkeys(found))


def _nearest_before(words: re.Pattern[str], before: str) -> int | None:
    distances = [len(before) - m.end() for m in words.finditer(before)]
    return min(distances) if distances else None


@dataclass(frozen=True)
class AllowedCidrs(EveryValueParameter):
    """Proven when every allowed CIDR is the source of an ingress rule (written as stated)."""

    def find_one(self, module: TerraformModule, value: Any) -> list[Evidence]:
        return [
            Evidence(address=address, attribute="cidr_ipv4", op="==", value=value)
            for address, body in instances(module, self.type)
            if body.get("cidr_ipv4") == value
        ][:1]


def _open_rules(bp: Blueprint) -> list[ResourceSpec]:
    """Ingress rules open to the internet (or, internal, to the VPC) on the load balancer."""
    rules: list[ResourceSpec] = []
    for spec in bp.resources:
        if spec.type != "aws_vpc_security_group_ingress_rule":
            continue
        cidr = spec.body.get("cidr_ipv4")
        on_alb = spec.body.get("security_group_id") == Expr("aws_security_group.alb.id")
        if cidr == "0.0.0.0/0" or (on_alb and cidr == Expr("var.vpc_cidr")):
            rules.append(spec)
    return rules


def build(bp: Blueprint, ctx: Context) -> None:
    cidrs = ctx.req.params.get("exposure.allowed_cidrs")
    if not isinstance(cidrs, list) or not cidrs:
        return
    rules = _open_rules(bp)
    if not rules:
        bp.notes.append(
            "Allowed sources: nothing here has an open ingress rule to narrow "
            f"({', '.join(cidrs)} was asked); an API Gateway endpoint needs a WAF IP set instead."
        )
        return
    bp.blocks.append("private_cidrs")
    for rule in rules:
        _narrow(rule, cidrs[0])
        for index, cidr in enumerate(cidrs[1:], start=2):
            extra = copy.deepcopy(rule)
            extra.name = f"{rule.name}_{index}"
            _narrow(extra, cidr)
            bp.add(extra)
    lb = bp.find("aws_lb.app")
    public = [c for c in cidrs if not private_range(ipaddress.ip_network(c))]
    if lb is not None and lb.body.get("internal") is True and public:
        bp.notes.append(
            f"The load balancer is internal (no public exposure was asked), so {', '.join(public)} "
            "reaches it only through a VPN or Direct Connect into the VPC."
        )


def _narrow(rule: ResourceSpec, cidr: str) -> None:
    port = rule.body.get("from_port")
    what = (
        {443: "HTTPS", 80: "HTTP"}.get(port, f"Port {port}") if isinstance(port, int) else "Traffic"
    )
    rule.body["cidr_ipv4"] = cidr
    rule.body["description"] = f"{what} from {cidr} only, as asked."
    rule.reason = f"{what} only from {cidr}, as asked: the entry point is closed to everyone else."
    rule.unskip("CKV_AWS_260")


CAPABILITY = declare(
    "private_cidrs", build=build, readers={"exposure.allowed_cidrs": _read_allowed}
)
