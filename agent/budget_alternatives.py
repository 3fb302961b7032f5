"""Cheaper structures for a design over its budget: each one a different architecture, priced.

Smaller sizes and a shared NAT gateway are the planner's first trades (agent/planner.py); when
they are not enough, what is left is to build differently. Each entry of :data:`STRUCTURES` is
one such change, written as a change to the requirements so the same planner builds it and the
same price table prices it. An alternative that would drop something the person asked for (the
ledger says which ask stops being honored) is offered with that cost named, never taken on its
own.

A new alternative is one more :class:`Structure` here; its test is in
tests/agent/test_budget_alternatives.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autcloud.agent.requirements import Requirements

KEEP = "keep"  # the answer that keeps the design as it is, over budget


@dataclass(frozen=True)
class Structure:
    """One structural change: when it can apply, and how it changes the requirements."""

    id: str
    change: str  # what is built instead, in words
    trade_off: str  # what it costs in something other than money
    applies: Callable[[Requirements], bool]
    reshape: Callable[[Requirements], None]  # changes a copy of the requirements in place


@dataclass
class Alternative:
    """A structure priced for one design."""

    id: str
    change: str
    trade_off: str
    monthly_usd: float
    saves_usd: float
    fits: bool
    drops: list[str]  # the person's own words of asks it would stop honoring
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "change": self.change,
            "trade_off": self.trade_off,
            "monthly_usd": round(self.monthly_usd, 2),
            "saves_usd": round(self.saves_usd, 2),
            "fits": self.fits,
            "drops": self.drops,
            "applied": self.applied,
        }


def _no_nat(req: Requirements) -> None:
    req.params["network.nat"] = "none"
    req.services = sorted({*req.services, "network_options", "vpc_endpoints"})


def _single_az(req: Requirements) -> None:
    req.high_availability = False


def _fargate_spot(req: Requirements) -> None:
    req.services = sorted({*req.services, "fargate_spot"})


def _aurora_serverless(req: Requirements) -> None:
    engines = {"postgres": "aurora-postgresql", "mysql": "aurora-mysql"}
    req.databases = [engines.get(engine, engine) for engine in req.databases]
    req.services = sorted({*req.services, "aurora_serverless"})
    req.params.setdefault("aurora.min_acu", 0.5)
    req.params.setdefault("aurora.max_acu", 4)
    req.db_instance_class = None


def _serverless_api(req: Requirements) -> None:
    req.compute = "lambda"
    req.features = sorted({*req.features, "api_gateway"})


def _app_runner(req: Requirements) -> None:
    req.compute = "none"
    req.services = sorted({*req.services, "apprunner"})


STRUCTURES: tuple[Structure, ...] = (
    Structure(
        "no_nat",
        "No NAT gateway: private subnets reach AWS APIs through VPC endpoints",
        "the private subnets lose internet access (no calls to outside APIs or package mirrors)",
        lambda req: req.needs_vpc() and "network.nat" not in req.params,
        _no_nat,
    ),
    Structure(
        "fargate_spot",
        "Fargate Spot for the service's tasks above the first",
        "Spot tasks can be stopped with two minutes' notice",
        lambda req: req.compute == "ecs" and "fargate_spot" not in req.services,
        _fargate_spot,
    ),
    Structure(
        "aurora_serverless",
        "Aurora Serverless v2 from 0.5 ACU, instead of a fixed database instance",
        "capacity follows the load up to 4 ACUs; a sustained heavy load costs more than an instance",
        lambda req: (
            bool({"postgres", "mysql"} & set(req.databases))
            and "aurora_serverless" not in req.services
        ),
        _aurora_serverless,
    ),
    Structure(
        "single_az",
        "One availability zone for the database and cache (no standby)",
        "a zone outage or a database failover stops the service until it is restored",
        lambda req: req.high_availability,
        _single_az,
    ),
    Structure(
        "serverless_api",
        "API Gateway and Lambda instead of a load balancer and containers",
        "the application must run as Lambda functions (15-minute limit, cold starts)",
        lambda req: req.compute == "ecs" and req.has_web(),
        _serverless_api,
    ),
    Structure(
        "app_runner",
        "App Runner instead of a load balancer and ECS tasks",
        "fewer controls over networking and scaling than ECS; App Runner is not in every region",
        lambda req: req.compute == "ecs" and req.has_web() and "apprunner" not in req.services,
        _app_runner,
    ),
)
BY_ID = {structure.id: structure for structure in STRUCTURES}


def reshaped(req: Requirements, ids: list[str]) -> Requirements:
    """A copy of the requirements with the named structures applied, in order."""
    changed = copy.deepcopy(req)
    changed.budget_choice = []
    for structure_id in ids:
        structure = BY_ID.get(structure_id)
        if structure is not None and structure.applies(changed):
            structure.reshape(changed)
    return changed


def applicable(req: Requirements) -> list[Structure]:
    return [structure for structure in STRUCTURES if structure.applies(req)]


def choice_of(alternatives: list[Alternative]) -> list[str]:
    """What --yes takes: the first alternative that fits and drops no ask; else every
    alternative that drops no ask, in order, as long as each one saves money; else nothing."""
    keeping = [a for a in alternatives if not a.drops and a.saves_usd > 0]
    for alternative in keeping:
        if alternative.fits:
            return [alternative.id]
    return [a.id for a in keeping]


def question_text(alternatives: list[Alternative], cost_usd: float, budget_usd: float) -> str:
    lines = [
        f"The design costs about ${cost_usd:,.0f}/month, over the ${budget_usd:,.0f} budget. "
        "Cheaper structures (answer with an id, several joined with '+', or 'keep'):"
    ]
    for a in alternatives:
        fits = "fits" if a.fits else "still over"
        drops = f"; drops what you asked: {', '.join(a.drops)}" if a.drops else ""
        lines.append(
            f"- {a.id}: {a.change} — about ${a.monthly_usd:,.0f}/month ({fits}); "
            f"{a.trade_off}{drops}"
        )
    return "\n".join(lines)
