"""WAF options as stated: the rate limit per client IP ("2000 requests per 5 minutes per IP",
"IP당 5분 1000건"). It tunes the rate-based rule of every web ACL the design has (agent/catalog/edge.py
builds them); a design without a WAF keeps none, and the ledger says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import GOVERNANCE, Capability, Parameter, Probe
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.hcl import Block

MIN_LIMIT, MAX_LIMIT = 10, 2_000_000_000  # what WAF accepts for a five-minute window

_LIMIT = re.compile(
    r"(\d[\d,]*)\s*(?:requests?|reqs?|calls?)\s*(?:per|every|/|in)\s*(?:5|five)[\s-]*min(?:ute)?s?"
    r"(?:\s*(?:per|from\s+(?:one|a|each|the\s+same))\s+(?:client\s+)?ip)?"
    r"|ip\s*(?:당|별로?)\s*5\s*분(?:에|당|동안)?\s*(\d[\d,]*)\s*(?:건|회|요청|번)"
    r"|5\s*분(?:에|당|동안)?\s*ip\s*(?:당|별로?)\s*(\d[\d,]*)\s*(?:건|회|요청|번)",
    re.I,
)


def _read_limit(text: str) -> Iterator[tuple[str, Any]]:
    for match in _LIMIT.finditer(text):
        value = int(next(g for g in match.groups() if g).replace(",", ""))
        if MIN_LIMIT <= value <= MAX_LIMIT:
            yield match.group(0).strip(), value


def build(bp: Blueprint, ctx: Context) -> None:
    limit = ctx.req.params.get("waf.rate_limit")
    if not isinstance(limit, int):
        return
    for spec in bp.resources:
        if spec.type != "aws_wafv2_web_acl":
            continue
        rules = spec.body.get("rule")
        for rule in rules if isinstance(rules, list) else [rules]:
            statement = rule.body.get("statement") if isinstance(rule, Block) else None
            rated = statement.body.get("rate_based_statement") if statement else None
            if isinstance(rated, Block):
                rated.body["limit"] = limit


CAPABILITY = Capability(
    key="waf_options",
    summary="WAF options: the rate limit per client IP.",
    concepts=(),
    probes=(Probe("aws_wafv2_web_acl"),),
    category="edge",
    build=build,
    phase=GOVERNANCE,
    parameters=(
        Parameter(
            "waf.rate_limit",
            "aws_wafv2_web_acl",
            "rule.statement.rate_based_statement.limit",
            "==",
            _read_limit,
        ),
    ),
)
