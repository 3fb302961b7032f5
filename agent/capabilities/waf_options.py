"""WAF options as stated: the rate limit per client IP ("2000 requests per 5 minutes per IP",
"IP당 5분 1000건") and AWS managed rule groups named by what they stop ("SQL injection rule set",
"SQL 인젝션 룰셋"). It tunes the rate-based rule of every web ACL the design has (agent/catalog/edge.py
builds them); a design without a WAF keeps none, and the ledger says so."""

from __future__ import annotations

import re
from typing import Any

from autcloud.agent.capabilities.base import declare, named_reader, reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.edge import managed_rule
from autcloud.agent.hcl import Block
from autcloud.agent.patterns import patterns

PATTERNS = patterns("waf_options")

MIN_LIMIT, MAX_LIMIT = 10, 2_000_000_000  # what WAF accepts for a five-minute window


def _limit(match: re.Match[str]) -> int | None:
    value = int(next(g for g in match.groups() if g).replace(",", ""))
    return value if MIN_LIMIT <= value <= MAX_LIMIT else None


_read_limit = reader(PATTERNS["limit"], _limit)


# Managed rule groups people name by the attack they stop (agent/patterns/waf_options.yaml).
_GROUPS = {
    "sqli": "AWSManagedRulesSQLiRuleSet",
    "linux": "AWSManagedRulesLinuxRuleSet",
    "php": "AWSManagedRulesPHPRuleSet",
}
_read_group = named_reader(PATTERNS, _GROUPS)


def _add_group(spec: Any, group: str) -> None:
    """Adds a managed rule group to a web ACL unless it is there, at a free priority."""
    rules = spec.body.get("rule")
    rules = list(rules) if isinstance(rules, list) else ([rules] if rules else [])
    names = {r.body.get("name") for r in rules if isinstance(r, Block)}
    if group in names:
        return
    used = {r.body.get("priority") for r in rules if isinstance(r, Block)}
    priority = next(p for p in range(1, 100) if p not in used)
    rules.append(managed_rule(group, priority))
    spec.body["rule"] = rules


def build(bp: Blueprint, ctx: Context) -> None:
    group = ctx.req.params.get("waf.managed_rule_group")
    if isinstance(group, str):
        for spec in bp.resources:
            if spec.type == "aws_wafv2_web_acl":
                _add_group(spec, group)
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


CAPABILITY = declare(
    "waf_options",
    build=build,
    readers={"waf.rate_limit": _read_limit, "waf.managed_rule_group": _read_group},
)
