"""From the user's words to the ledger: read every ask of a message, fold the conversation's asks
into the requirements, and after planning resolve each ask into a ledger entry with evidence.

The offline reader here is the floor: a language model may produce the same :class:`Ask`
objects (schema in docs/ledger.schema.json), and everything after reading stays the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autcloud.agent.capabilities.base import Probe
from autcloud.agent.capabilities.registry import registry
from autcloud.agent.datafile import load_yaml
from autcloud.agent.ledger import (
    Ask,
    AskKind,
    AskStatus,
    Evidence,
    Ledger,
    LedgerEntry,
    attribute_values,
    holds,
    instances,
)
from autcloud.agent.lexicon import Span, Words, lexicon
from autcloud.agent.requirements import (
    Requirements,
    Signals,
    blank_quoted_names,
    find_words,
    is_negated,
)
from autcloud.agent.tfparse import TerraformModule

_KIND_OF_GROUP = {
    "workload": AskKind.WORKLOAD,
    "engine": AskKind.SERVICE,
    "feature": AskKind.SERVICE,
    "service": AskKind.SERVICE,
    "unsupported": AskKind.SERVICE,
    "database": AskKind.SERVICE,
    "compliance": AskKind.COMPLIANCE,
    "exposure": AskKind.EXPOSURE,
}


def read_asks(text: str, signals: Signals, source: str = "request") -> list[Ask]:
    """Every ask of one message: concepts named (or named away) and parameters stated."""
    asks: list[Ask] = []
    lex = lexicon()
    concepts_text = blank_quoted_names(text)  # names in quotes ask for no service
    for key in lex.concept_keys():
        group = key.partition(".")[0]
        kind = _KIND_OF_GROUP.get(group)
        if kind is None:
            continue
        words = lex.words(key)
        spans = find_words(words, concepts_text)
        if not spans:
            continue
        positive = [s for s in spans if not is_negated(text, s)]
        span = min(positive or spans, key=_naming_rank(words, text))
        asks.append(
            Ask(
                quote=text[span[0] : span[1]],
                kind=kind,
                key=key,
                value=None,
                negated=not positive,
                source=source,
            )
        )
    for capability in registry().capabilities:
        for parameter in capability.parameters:
            for quote, value in parameter.read(text):
                asks.append(
                    Ask(
                        quote=quote,
                        kind=AskKind.PARAMETER,
                        key=parameter.key,
                        value=value,
                        source=source,
                    )
                )
                break
    asks.extend(_signal_asks(signals, source))
    return _without_overlaps(asks)


def _naming_rank(words: Words, text: str) -> Callable[[Span], tuple[int, int]]:
    """Quote the name the lexicon lists first among the words used ("DocumentDB" over "Mongo",
    "넵튠" over "그래프 DB"): a concept's words are listed name first."""
    order: dict[str, int] = {}
    for index, word in enumerate((*words[0], *words[1])):
        order.setdefault(word, index)

    def rank(span: Span) -> tuple[int, int]:
        said = " ".join(text[span[0] : span[1]].lower().split())
        return order.get(said, len(order)), span[0]

    return rank


def _without_overlaps(asks: list[Ask]) -> list[Ask]:
    """A word that begins a longer ask of the same group ("lambda" in "lambda@edge") is not an ask
    of its own; one the longer words name besides ("Valkey" in "serverless ElastiCache for
    Valkey") still is."""

    def group(ask: Ask) -> str:
        return ask.key.partition(".")[0]

    def inside_another(ask: Ask) -> bool:
        quote = ask.quote.lower()
        return any(
            group(other) == group(ask)
            and other.key != ask.key
            and len(other.quote) > len(quote)
            and other.quote.lower().startswith(quote)
            for other in asks
        )

    return [
        ask
        for ask in asks
        if ask.kind is AskKind.PARAMETER or group(ask) == "unsupported" or not inside_another(ask)
    ]


# Values the core reader (agent/requirements.py) parses, as ledger parameters.
_CORE_PARAMETERS: dict[str, tuple[AskKind, str]] = {
    "region": (AskKind.REGION, "region"),
    "budget": (AskKind.BUDGET, "budget"),
    "high_availability": (AskKind.AVAILABILITY, "availability.high"),
    "instance_type": (AskKind.PARAMETER, "instance_type"),
    "db_instance_class": (AskKind.PARAMETER, "db_instance_class"),
    "cache_node_type": (AskKind.PARAMETER, "cache_node_type"),
    "storage_gb": (AskKind.PARAMETER, "storage_gb"),
    "container_image": (AskKind.PARAMETER, "container_image"),
    "container_port": (AskKind.PARAMETER, "container_port"),
    "domain": (AskKind.PARAMETER, "domain"),
    "min_capacity": (AskKind.PARAMETER, "min_capacity"),
    "max_capacity": (AskKind.PARAMETER, "max_capacity"),
    "desired_count": (AskKind.PARAMETER, "desired_count"),
    "schedule_expression": (AskKind.PARAMETER, "schedule_expression"),
    "log_retention_days": (AskKind.PARAMETER, "log_retention_days"),
    "project": (AskKind.PARAMETER, "project"),
    "daily_users": (AskKind.PARAMETER, "scale.daily_users"),
    "requests_per_second": (AskKind.PARAMETER, "scale.requests_per_second"),
}


def _signal_asks(signals: Signals, source: str) -> list[Ask]:
    asks: list[Ask] = []
    for name, (kind, key) in _CORE_PARAMETERS.items():
        value = getattr(signals, name)
        if value is None or (name == "high_availability" and value is False):
            continue
        if name == "budget":
            value = {
                "amount": value.amount,
                "currency": value.currency,
                "monthly_usd": value.monthly_usd,
            }
            quote = (
                f"{signals.budget.amount:,.0f} {signals.budget.currency}" if signals.budget else ""
            )
        else:
            quote = str(value)
        asks.append(
            Ask(
                quote=signals.quotes.get(name, quote),
                kind=kind,
                key=key,
                value=value,
                source=source,
            )
        )
    for email in signals.emails:
        asks.append(
            Ask(quote=email, kind=AskKind.PARAMETER, key="alert_email", value=email, source=source)
        )
    return asks


def fold_asks(req: Requirements) -> None:
    """Services, parameters and exposure from the conversation's asks (later ones win)."""
    reg = registry()
    latest: dict[str, Ask] = {}
    for ask in req.asks:
        latest[ask.key] = ask
    services: list[str] = []
    for key, ask in latest.items():
        capability = reg.by_concept(key)
        if capability is not None and capability.build is not None and not ask.negated:
            services.append(capability.key)
            services.extend(capability.requires)
        found = reg.parameter(key)
        if found is not None and not ask.negated:
            req.params[key] = ask.value
            if found[0].build is not None:
                services.append(found[0].key)
    req.services = list(dict.fromkeys(services))
    if "apprunner" in req.services and req.compute == "ecs":
        req.compute = "none"  # App Runner is the front door and the compute
    balancer = latest.get("feature.load_balancer")
    req.no_load_balancer = balancer is not None and balancer.negated
    private = latest.get("exposure.private")
    req.private = private is not None and not private.negated


# --- resolving asks after planning ------------------------------------------------------------

# parameter key: (resource type, attribute, operator) — any one proves it (core_evidence.yaml)
_CORE_EVIDENCE: dict[str, tuple[tuple[str, str, str], ...]] = {
    key: tuple((rtype, attribute, op) for rtype, attribute, op in options)
    for key, options in load_yaml(Path(__file__).resolve().parent / "core_evidence.yaml").items()
}


def resolve(
    req: Requirements, module: TerraformModule, *, monthly_cost_usd: float | None
) -> Ledger:
    """The ledger of every ask, proven against the planned Terraform."""
    reg = registry()
    latest: dict[str, int] = {}
    for index, ask in enumerate(req.asks):
        latest[ask.key] = index
    entries: list[LedgerEntry] = []
    for index, ask in enumerate(req.asks):
        if latest[ask.key] != index:
            later = req.asks[latest[ask.key]]
            entries.append(
                _entry(
                    ask,
                    AskStatus.SUPERSEDED,
                    why=f"changed later by {later.quote!r} ({later.source})",
                )
            )
            continue
        entries.append(_resolve_one(ask, req, module, reg, monthly_cost_usd))
    entries.extend(_untriggered_functions(module))
    return Ledger(entries=_dedupe(entries))


# Resource types that invoke a Lambda function when they refer to it.
_TRIGGERS = (
    "aws_lambda_permission",
    "aws_lambda_event_source_mapping",
    "aws_scheduler_schedule",
    "aws_cloudwatch_event_target",
    "aws_sfn_state_machine",
    "aws_apigatewayv2_integration",
    "aws_api_gateway_integration",
    "aws_s3_bucket_notification",
    "aws_sns_topic_subscription",
    "aws_iot_topic_rule",
    "aws_appsync_datasource",
    "aws_lb_target_group_attachment",
    "aws_cognito_user_pool",
)


def _untriggered_functions(module: TerraformModule) -> list[LedgerEntry]:
    """A function nothing invokes is reported: every function has a trigger or says why not."""
    texts = [repr(body) for rtype in _TRIGGERS for body in module.resources.get(rtype, {}).values()]
    reported: list[LedgerEntry] = []
    for name in module.resources.get("aws_lambda_function", {}):
        marker = re.compile(rf"aws_lambda_function\.{re.escape(name)}(?![\w-])")
        if any(marker.search(text) for text in texts):
            continue
        reported.append(
            LedgerEntry(
                quote=name,
                kind=AskKind.WIRING,
                key="lambda.trigger",
                value=f"aws_lambda_function.{name}",
                source="design",
                status=AskStatus.UNSUPPORTED,
                why=f"aws_lambda_function.{name} has no trigger in this design: say what invokes it "
                "(an API, a queue, a schedule, an upload)",
            )
        )
    return reported


def _dedupe(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    seen: set[tuple[str, str, str]] = set()
    kept: list[LedgerEntry] = []
    for entry in entries:
        marker = (entry.key, entry.quote.lower(), entry.source)
        if marker not in seen:
            seen.add(marker)
            kept.append(entry)
    return kept


def _entry(
    ask: Ask, status: AskStatus, evidence: list[Evidence] | None = None, why: str = ""
) -> LedgerEntry:
    return LedgerEntry(**ask.model_dump(), status=status, evidence=evidence or [], why=why)


def _resolve_one(
    ask: Ask,
    req: Requirements,
    module: TerraformModule,
    reg: Any,
    monthly_cost_usd: float | None,
) -> LedgerEntry:
    group, _, name = ask.key.partition(".")
    if group == "unsupported":
        unsupported = reg.unsupported.get(name)
        why = unsupported.why if unsupported else "not built by the engine"
        label = unsupported.name if unsupported else name
        return _entry(ask, AskStatus.UNSUPPORTED, why=f"{label}: {why}")
    if ask.kind is AskKind.REGION:
        return _proven(
            ask,
            [Evidence(address="var.region", attribute="default", op="==", value=req.region)],
            req.region == ask.value,
            "the design deploys elsewhere",
        )
    if ask.kind is AskKind.BUDGET:
        budget = float(ask.value["monthly_usd"]) if isinstance(ask.value, dict) else None
        if budget is None or monthly_cost_usd is None:
            return _entry(ask, AskStatus.HONORED)
        if monthly_cost_usd <= budget:
            return _entry(ask, AskStatus.HONORED, why=f"estimated ${monthly_cost_usd:,.0f}/month")
        return _entry(
            ask,
            AskStatus.CONFLICT,
            why=f"the smallest design meeting the other asks costs about ${monthly_cost_usd:,.0f}/month, "
            f"${monthly_cost_usd - budget:,.0f} over",
        )
    if ask.kind is AskKind.AVAILABILITY:
        return _availability(ask, module)
    if ask.kind is AskKind.EXPOSURE:
        return _exposure(ask, module)
    if ask.key == "project":
        return _proven(
            ask,
            [Evidence(address="var.project", attribute="default", op="==", value=ask.value)],
            req.project == ask.value,
            "named differently",
        )
    if ask.key == "alert_email":
        evidence = [
            Evidence(
                address="var.alert_emails", attribute="default", op="contains", value=ask.value
            )
        ]
        ok = ask.value in (module.variables.get("alert_emails", {}).get("default") or [])
        return _proven(ask, evidence, ok, "no alert subscription carries it")
    if ask.key in _CORE_EVIDENCE:
        evidence = _first(module, _CORE_EVIDENCE[ask.key], ask.value)
        return _proven(ask, evidence, bool(evidence), f"no resource carries {ask.value!r}")
    found = reg.parameter(ask.key)
    if found is not None:
        capability, parameter = found
        evidence = parameter.find(module, ask.value)
        return _proven(
            ask, evidence, bool(evidence), f"{capability.summary} does not carry {ask.value!r}"
        )
    capability = reg.by_concept(ask.key)
    if capability is None:
        if group == "compliance":
            return _compliance(ask, module)
        if group == "service":
            return _entry(ask, AskStatus.UNSUPPORTED, why=f"{name}: no capability builds it yet")
        return _entry(ask, AskStatus.HONORED, why="understood; shapes the design's defaults")
    if ask.negated:
        present = capability.evidence(module)
        if present:
            return _entry(
                ask,
                AskStatus.CONFLICT,
                present,
                why=f"asked away, but the design still has {present[0].address}",
            )
        evidence = [
            Evidence(
                address=p.type,
                op="absent",
                attribute=p.where[0][0] if p.where else None,
                value=p.where[0][2] if p.where else None,
            )
            for p in capability.probes
        ]
        return _entry(ask, AskStatus.HONORED, evidence, why="left out as asked")
    evidence = capability.evidence(module)
    return _proven(
        ask, evidence, bool(evidence), f"{capability.summary.rstrip('.')}: not built in this design"
    )


def _proven(ask: Ask, evidence: list[Evidence], ok: bool, missing: str) -> LedgerEntry:
    if ok:
        return _entry(ask, AskStatus.HONORED, evidence)
    return _entry(ask, AskStatus.UNSUPPORTED, why=missing)


def _first(
    module: TerraformModule, options: tuple[tuple[str, str, str], ...], value: Any
) -> list[Evidence]:
    for rtype, attribute, op in options:
        probe = Probe(rtype, ((attribute, op, value),) if attribute else ())  # type: ignore[arg-type]
        found = probe.find(module)
        if found:
            return found[:1]
    return []


def _availability(ask: Ask, module: TerraformModule) -> LedgerEntry:
    """High availability holds when every primary database instance has a standby (Multi-AZ);
    without one, when something spans zones (subnets, NAT gateways, an Aurora cluster)."""
    single = [
        address
        for address, body in instances(module, "aws_db_instance")
        if "replicate_source_db" not in body
        and not any(
            holds(module, v, "==", True) for v in attribute_values(module, body, "multi_az")
        )
    ]
    if single:
        return _entry(
            ask, AskStatus.UNSUPPORTED, why=f"no standby in another zone: {', '.join(single)}"
        )
    evidence = _first(
        module,
        (
            ("aws_db_instance", "multi_az", "=="),
            ("aws_rds_cluster", "", "exists"),
            ("aws_nat_gateway", "", "exists"),
            ("aws_subnet", "", "exists"),
        ),
        True,
    )
    return _proven(ask, evidence, bool(evidence), "nothing spans zones")


def _exposure(ask: Ask, module: TerraformModule) -> LedgerEntry:
    if ask.key != "exposure.private":
        return _entry(ask, AskStatus.HONORED)
    public = [
        address
        for address, body in _iter(module, "aws_lb")
        if str(body.get("internal", "false")).lower() in ("false", "${false}")
    ]
    open_rules = _open_ingress(module)
    if public or open_rules:
        return _entry(
            ask,
            AskStatus.CONFLICT,
            why=f"still reachable from the internet: {', '.join(public + open_rules)}",
        )
    evidence = [
        Evidence(address="aws_lb", attribute="internal", op="absent", value=False),
    ]
    return _entry(
        ask, AskStatus.HONORED, evidence, why="no internet-facing entry point, no 0.0.0.0/0 ingress"
    )


def _iter(module: TerraformModule, rtype: str) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{rtype}.{n}", b) for n, b in module.resources.get(rtype, {}).items()]


def _open_ingress(module: TerraformModule) -> list[str]:
    found: list[str] = []
    for address, body in _iter(module, "aws_vpc_security_group_ingress_rule"):
        if body.get("cidr_ipv4") == "0.0.0.0/0" or body.get("cidr_ipv6") == "::/0":
            found.append(address)
    for address, body in _iter(module, "aws_security_group_rule"):
        if body.get("type") == "ingress" and "0.0.0.0/0" in (body.get("cidr_blocks") or []):
            found.append(address)
    for address, body in _iter(module, "aws_security_group"):
        for rule in body.get("ingress", []) or []:
            if isinstance(rule, dict) and "0.0.0.0/0" in (rule.get("cidr_blocks") or []):
                found.append(address)
    return found


def _compliance(ask: Ask, module: TerraformModule) -> LedgerEntry:
    controls = [
        Probe("aws_cloudtrail"),
        Probe("aws_kms_key"),
    ]
    evidence = [e for probe in controls for e in probe.find(module)[:1]]
    return _proven(
        ask, evidence, len(evidence) == len(controls), "no audit trail or encryption key"
    )
