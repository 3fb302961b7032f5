"""Plan resources: choose catalog building blocks for the requirements, then order them.

The result is a resource graph: every resource with its one-line reason and its dependency
level (0 = refers to nothing; n = refers to something of level n-1), computed from the
references in the resources themselves, so the order can never disagree with the code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from autcloud.agent.budget_alternatives import (
    BY_ID,
    KEEP,
    Alternative,
    Structure,
    applicable,
    choice_of,
    question_text,
    reshaped,
)
from autcloud.agent.capabilities.registry import registry
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    ResourceSpec,
    Variable,
    interp,
    module_of,
)
from autcloud.agent.catalog.compute import (
    add_ec2_fleet,
    add_ecs_service,
    add_eks,
    add_http_api,
    add_lambda,
    fleet_serves_http,
    ingress,
    serves_http,
)
from autcloud.agent.catalog.data import ENGINE_PORTS, add_dynamodb, add_redis, add_relational
from autcloud.agent.catalog.edge import (
    add_alb_dns,
    add_cdn_for_app,
    add_dns,
    add_static_site,
    add_waf,
    domain_variable,
)
from autcloud.agent.catalog.messaging import (
    add_batch,
    add_data_lake,
    add_queue,
    add_schedule,
    add_stream,
    add_stream_to_lake,
    add_topic,
)
from autcloud.agent.catalog.network import add_network
from autcloud.agent.catalog.security import add_alerts, add_audit_trail, add_kms
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.cost import estimate_cost
from autcloud.agent.fidelity import resolve as resolve_ledger
from autcloud.agent.hcl import Expr
from autcloud.agent.ledger import AskKind, AskStatus
from autcloud.agent.requirements import BUDGET_QUESTION, RELATIONAL_ENGINES, Question, Requirements

NAT_PER_AZ_MIN_BUDGET_USD = 300.0  # below this, an HA request keeps one NAT and says so


class PlanningError(ValueError):
    """The blueprint refers to something it does not declare (a catalog bug, never user input)."""


@dataclass
class Plan:
    blueprint: Blueprint
    levels: list[list[str]] = field(default_factory=list)  # addresses per dependency level
    level_of: dict[str, int] = field(default_factory=dict)
    requirements: Requirements | None = None  # what was built: the request's, or restructured
    budget: dict[str, Any] | None = None  # over budget: the cheaper structures, priced
    question: Question | None = None  # the budget question, when nothing may be chosen alone

    @property
    def resources(self) -> list[ResourceSpec]:
        return self.blueprint.resources

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "address": r.address,
                "type": r.type,
                "level": self.level_of[r.address],
                "reason": r.reason,
                "file": f"{r.topic}.tf",
            }
            for r in self.blueprint.resources
        ]


def context_for(req: Requirements) -> tuple[Context, list[str]]:
    notes: list[str] = []
    budget = req.budget.monthly_usd if req.budget else None
    nat_per_az = req.high_availability
    if req.high_availability and budget is not None and budget < NAT_PER_AZ_MIN_BUDGET_USD:
        nat_per_az = False
        notes.append(
            f"One NAT gateway instead of one per zone: a budget of ${budget:,.0f}/month does not cover three."
        )
    az_count = 3 if req.high_availability else 2
    return Context(
        req=req, az_count=az_count, nat_per_az=nat_per_az, multi_az_data=req.high_availability
    ), notes


MAX_SIZE_STEPS_DOWN = 2


def plan_resources(req: Requirements, *, assume_defaults: bool = True) -> Plan:
    """The plan; with a budget, cheaper choices are taken one at a time until it fits.

    Only choices the person did not state are traded: a stated instance class stays, and an
    asked-for high availability keeps its Multi-AZ data tier (the gap is reported instead).
    When sizes are not enough, cheaper structures are priced (agent/budget_alternatives.py):
    the answer to the budget question picks them, ``assume_defaults`` takes the first that fits
    and drops no ask, and otherwise the plan carries the question.
    """
    ctx, notes = context_for(req)
    plan = _plan(req, ctx, notes)
    plan.requirements = req
    if req.budget is None:
        return plan
    budget = req.budget.monthly_usd
    cost = monthly_cost(plan, req.region)
    while cost > budget:
        if ctx.nat_per_az:
            ctx.nat_per_az = False
            change = "one shared NAT gateway instead of one per zone"
        elif ctx.size_steps_down < MAX_SIZE_STEPS_DOWN:
            ctx.size_steps_down += 1
            change = "smaller database, cache and task sizes"
        else:
            break
        cheaper = _plan(req, ctx, [])
        cheaper_cost = monthly_cost(cheaper, req.region)
        if cheaper_cost >= cost:  # nothing left to step down
            break
        notes.append(
            f"Budget: {change} (about ${cost:,.0f} → ${cheaper_cost:,.0f}/month for a ${budget:,.0f} budget)."
        )
        plan, cost = cheaper, cheaper_cost
    plan.requirements = req
    if cost > budget:
        plan, cost = _restructure(req, ctx, plan, cost, notes, assume_defaults=assume_defaults)
    if cost > budget and plan.question is None:
        notes.append(
            f"Budget: the smallest design that meets the other needs costs about ${cost:,.0f}/month, "
            f"${cost - budget:,.0f} over the ${budget:,.0f} budget."
        )
    # The budget's trades first, then what the capabilities of the final plan said.
    plan.blueprint.notes = list(dict.fromkeys([*notes, *plan.blueprint.notes]))
    return plan


def _restructure(
    req: Requirements,
    ctx: Context,
    plan: Plan,
    cost: float,
    notes: list[str],
    *,
    assume_defaults: bool,
) -> tuple[Plan, float]:
    """Price every cheaper structure; build the chosen ones, or leave the question on the plan."""
    assert req.budget is not None
    budget = req.budget.monthly_usd
    alternatives = [_priced(structure, req, ctx, plan, cost) for structure in applicable(req)]
    alternatives = [a for a in alternatives if a.saves_usd > 0]
    report: dict[str, Any] = {
        "limit_usd": budget,
        "before_usd": round(cost, 2),  # the design before any structure was applied
        "estimate_usd": round(cost, 2),
        "alternatives": alternatives,
    }
    plan.budget = report
    if not alternatives or req.budget_choice == [KEEP]:
        return plan, cost
    known = [choice for choice in req.budget_choice if choice in BY_ID]
    unknown = [choice for choice in req.budget_choice if choice not in BY_ID and choice != KEEP]
    if unknown:
        notes.append(
            f"Budget: the answer names no structure called {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(a.id for a in alternatives)}, or {KEEP}."
        )
    chosen = known or (choice_of(alternatives) if assume_defaults else [])
    if not chosen:
        if not assume_defaults:
            default = "+".join(choice_of(alternatives)) or KEEP
            plan.question = Question(
                BUDGET_QUESTION, question_text(alternatives, cost, budget), default
            )
        return plan, cost
    changed = reshaped(req, chosen)
    restructured = _plan(changed, _with_trades(changed, ctx), [])
    new_cost = monthly_cost(restructured, req.region)
    names = [BY_ID[choice].change for choice in chosen]
    notes.append(
        f"Budget: {'; '.join(names)} (about ${cost:,.0f} → ${new_cost:,.0f}/month for a "
        f"${budget:,.0f} budget)."
    )
    for alternative in alternatives:
        alternative.applied = alternative.id in chosen
    restructured.requirements = changed
    restructured.budget = {**report, "estimate_usd": round(new_cost, 2)}
    return restructured, new_cost


def _with_trades(changed: Requirements, ctx: Context) -> Context:
    """A context for changed requirements that keeps the budget trades already made."""
    fresh, _ = context_for(changed)
    fresh.nat_per_az = fresh.nat_per_az and ctx.nat_per_az
    fresh.size_steps_down = ctx.size_steps_down
    return fresh


def _priced(
    structure: Structure, req: Requirements, ctx: Context, plan: Plan, cost: float
) -> Alternative:
    assert req.budget is not None
    changed = reshaped(req, [structure.id])
    alternative = _plan(changed, _with_trades(changed, ctx), [])
    alternative_cost = monthly_cost(alternative, req.region)
    return Alternative(
        id=structure.id,
        change=structure.change,
        trade_off=structure.trade_off,
        monthly_usd=alternative_cost,
        saves_usd=cost - alternative_cost,
        fits=alternative_cost <= req.budget.monthly_usd,
        drops=_dropped_asks(req, plan, changed, alternative),
    )


def _dropped_asks(req: Requirements, plan: Plan, changed: Requirements, other: Plan) -> list[str]:
    """The person's words of every ask the plan honors and the other plan would not."""
    kept = {AskStatus.HONORED, AskStatus.ADJUSTED}
    before = resolve_ledger(req, module_of(plan.blueprint), monthly_cost_usd=None)
    after = resolve_ledger(changed, module_of(other.blueprint), monthly_cost_usd=None)
    still = {(e.key, e.quote) for e in after.entries if e.status in kept}
    return [
        entry.quote
        for entry in before.entries
        if entry.status in kept
        and entry.kind is not AskKind.BUDGET
        and (entry.key, entry.quote) not in still
    ]


def monthly_cost(plan: Plan, region: str) -> float:
    return estimate_cost(module_of(plan.blueprint), region).total_usd


def _plan(req: Requirements, ctx: Context, notes: list[str]) -> Plan:
    bp = Blueprint(notes=list(notes))
    bp.locals["name"] = interp("${var.project}-${var.environment}")
    bp.var(
        Variable(
            "project",
            "string",
            "Project name: prefixes resource names and fills the Project tag.",
            req.project,
            validation=(
                'can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))',
                "project must be 2-21 lowercase letters, digits or hyphens, starting with a letter.",
            ),
        )
    )
    bp.var(
        Variable("environment", "string", "Environment name (prod, staging, dev).", req.environment)
    )
    bp.var(
        Variable(
            "region",
            "string",
            "AWS region to deploy into.",
            req.region,
            validation=(
                'can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))',
                "region must be an AWS region code such as ap-northeast-2.",
            ),
        )
    )
    bp.var(
        Variable(
            "log_retention_days",
            "number",
            "How long CloudWatch keeps logs, in days.",
            req.log_retention_days,
        )
    )

    relational = [e for e in req.databases if e in RELATIONAL_ENGINES]
    web = req.has_web() or req.compute in ("ecs", "ec2")
    needs_vpc = req.needs_vpc()

    add_kms(bp)
    if needs_vpc:
        add_network(bp, ctx, isolated_subnets=bool(relational) or req.has("cache"))
    add_alerts(bp, req.alert_emails)
    add_audit_trail(bp)
    domain_variable(bp, ctx)
    if req.domain:
        add_dns(bp, ctx)

    app_env: dict[str, Expr] = {}
    app_secrets: dict[str, Expr] = {}
    policy: list[dict[str, Any]] = []
    clients = {"ecs": ["app"], "ec2": ["app"], "lambda": ["lambda"], "eks": [], "none": []}[
        req.compute
    ]

    if req.has("object_storage") and not ("static_site" in req.workloads and req.compute == "none"):
        add_bucket(bp, "assets", "Application files (uploads, media), private and versioned.")
        policy.append(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": Expr('"${aws_s3_bucket.assets.arn}/*"'),
            }
        )
        policy.append(
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": Expr("aws_s3_bucket.assets.arn"),
            }
        )
        app_env["ASSETS_BUCKET"] = Expr("aws_s3_bucket.assets.bucket")
    if req.has("queue"):
        policy += add_queue(bp, ctx)
        app_env["JOBS_QUEUE_URL"] = Expr("aws_sqs_queue.jobs.url")
    if req.has("topic"):
        policy += add_topic(bp)
        app_env["EVENTS_TOPIC_ARN"] = Expr("aws_sns_topic.events.arn")
    if req.has("stream"):
        policy += add_stream(bp, ctx)
        app_env["EVENT_STREAM"] = Expr("aws_kinesis_stream.events.name")
    if "dynamodb" in req.databases:
        policy += add_dynamodb(bp, ctx)
        app_env["TABLE_NAME"] = Expr("aws_dynamodb_table.main.name")
    for engine in relational[:1]:  # one relational database per design; more is a follow-up
        secrets = add_relational(bp, ctx, engine, clients)
        app_secrets.update(secrets)
        address = (
            "aws_rds_cluster.main.endpoint"
            if engine.startswith("aurora")
            else "aws_db_instance.main.address"
        )
        app_env["DB_HOST"] = Expr(address)
    if len(relational) > 1:
        bp.notes.append(
            f"One relational database ({relational[0]}); the request also named {', '.join(relational[1:])}."
        )
    if req.has("cache"):
        add_redis(bp, ctx, clients)
        app_env["CACHE_HOST"] = Expr(
            "aws_elasticache_replication_group.main.primary_endpoint_address"
        )
    if req.compute == "eks" and (relational or req.has("cache")):
        _eks_data_access(
            bp,
            database_port=ENGINE_PORTS[relational[0]] if relational else None,
            cache=req.has("cache"),
        )

    if req.compute == "ecs":
        add_ecs_service(bp, ctx, app_env, app_secrets, policy)
    elif req.compute == "ec2":
        add_ec2_fleet(bp, ctx, policy + _secret_read(app_secrets))
    elif req.compute == "eks":
        add_eks(bp, ctx)

    def add_app_function(name: str, description: str) -> None:
        """A Lambda function of the application: its settings, secrets, permissions and reach."""
        add_lambda(
            bp,
            ctx,
            name,
            description,
            {**app_env, **app_secrets},
            policy + _secret_read(app_secrets),
            in_vpc=bool(relational) or req.has("cache"),
        )

    fronted = web or req.has("api_gateway") or req.has("websocket")
    # A scheduled function alone needs no request handler: nothing would invoke one.
    if req.compute == "lambda" and (fronted or not req.has("schedule")):
        add_app_function("api", "Handles the requests: the application's code.")
        if fronted:
            add_http_api(bp, ctx, "api", websocket=req.has("websocket"))
    if req.has("schedule") and req.has("batch"):
        add_schedule(bp, ctx, None)  # the schedule submits the batch job itself
    elif req.has("schedule") and "step_functions" in req.services:
        add_schedule(bp, ctx, None, state_machine="workflow")  # built by step_functions.py
    elif req.has("schedule") and not _schedule_runs_elsewhere(req):
        add_app_function("job", "Runs the scheduled job.")
        add_schedule(bp, ctx, "job")

    has_alb = (req.compute == "ec2" and fleet_serves_http(req)) or (
        req.compute == "ecs" and serves_http(req)
    )
    if "static_site" in req.workloads and not has_alb:
        add_static_site(bp, ctx)
    elif req.has("cdn") and has_alb:
        add_cdn_for_app(bp, ctx)
    if req.has("waf"):
        if bp.has("aws_cloudfront_distribution.main"):
            add_waf(bp, "CLOUDFRONT")
        elif has_alb:
            add_waf(bp, "REGIONAL")
        elif "rest_api" not in req.services:  # a REST API carries its own WAF (rest_api.py)
            bp.notes.append(
                "WAF was asked for, but nothing here can carry one (HTTP APIs cannot); add CloudFront to use it."
            )
    if req.domain and has_alb:
        add_alb_dns(bp, with_record=not bp.has("aws_cloudfront_distribution.main"))
    if req.has("data_lake"):
        add_data_lake(bp, ctx)
        if req.has("stream"):
            add_stream_to_lake(bp)
    if req.has("batch"):
        add_batch(bp, ctx)
    for capability in registry().buildable():
        if capability.wanted(req):
            capability.build(bp, ctx)  # type: ignore[misc]  # buildable() has a builder
    return order(bp)


def _schedule_runs_elsewhere(req: Requirements) -> bool:
    """The schedule starts an ECS task or a state machine (their capabilities), not a job function."""
    return bool({"ecs_scheduled_task", "step_functions"} & set(req.services))


def _secret_read(secrets: dict[str, Expr]) -> list[dict[str, Any]]:
    if not secrets:
        return []
    return [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": list(secrets.values()),
        },
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": Expr("aws_kms_key.main.arn")},
    ]


def _eks_data_access(bp: Blueprint, *, database_port: int | None, cache: bool) -> None:
    """Pods reach the data tier through the cluster's own security group (which allows all egress)."""
    cluster_sg = Expr("aws_eks_cluster.main.vpc_config[0].cluster_security_group_id")
    if database_port is not None:
        ingress(
            bp,
            "database_from_eks",
            "database",
            database_port,
            "Database connections from the Kubernetes cluster only.",
            source_group=cluster_sg,
            block="eks",
        )
    if cache:
        ingress(
            bp,
            "cache_from_eks",
            "cache",
            6379,
            "Redis connections from the Kubernetes cluster only.",
            source_group=cluster_sg,
            block="eks",
        )


def order(bp: Blueprint) -> Plan:
    """Dependency levels from references; fails loudly on a reference to nothing."""
    by_address = {r.address: r for r in bp.resources}
    if len(by_address) != len(bp.resources):
        counts = Counter(r.address for r in bp.resources)
        raise PlanningError(f"declared twice: {', '.join(a for a, n in counts.items() if n > 1)}")
    level_of: dict[str, int] = {}

    def level(address: str, trail: tuple[str, ...] = ()) -> int:
        if address in level_of:
            return level_of[address]
        if address in trail:
            raise PlanningError(f"reference cycle: {' -> '.join((*trail, address))}")
        spec = by_address.get(address)
        if spec is None:
            raise PlanningError(
                f"{trail[-1] if trail else '?'} refers to {address}, which the design does not declare"
            )
        refs = spec.references()
        value = 0 if not refs else 1 + max(level(ref, (*trail, address)) for ref in refs)
        level_of[address] = value
        return value

    for spec in bp.resources:
        level(spec.address)
    depth = max(level_of.values(), default=-1) + 1
    levels = [[r.address for r in bp.resources if level_of[r.address] == n] for n in range(depth)]
    return Plan(blueprint=bp, levels=levels, level_of=level_of)
