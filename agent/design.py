"""Run a design end to end: the one entry point the CLI, the operator and the tests share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autcloud import __version__
from autcloud.agent.document import Cost, DesignDocument, DesignStatus, validated
from autcloud.agent.graph import LevelSpans, build_graph
from autcloud.agent.providers.base import ReportingProvider, ResourceProvider
from autcloud.agent.providers.offline import OfflineProvider
from autcloud.agent.regions import get_region
from autcloud.agent.secrets import redact
from autcloud.agent.state import DesignState, Hints, Turn
from autcloud.agent.validation.pillars import CheckOutcome, PillarScore, score
from autcloud.agent.validation.report import StepResult, StepStatus
from autcloud.events import CostEstimated, Event, NodeFinished, NodeStarted
from autcloud.tracing import current_traceparent, tracer

__all__ = [
    "DesignResult",
    "DesignStatus",
    "EventCallback",
    "cost_event",
    "run_design",
    "score_pillars",
]

# Receives each progress event of a run, in order, as the wire schema's own classes.
EventCallback = Callable[[Event], None]


@dataclass
class DesignResult:
    status: DesignStatus
    files: dict[str, str] = field(default_factory=dict)
    # design.json as written, in its key order; validated through DesignDocument when built.
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def design(self) -> DesignDocument:
        """The document as the typed model (what readers read)."""
        return validated(self.document)

    @property
    def refusal(self) -> str:
        refusal = self.design.refusal
        return refusal.reason if refusal is not None else ""


_GRAPH = build_graph()


async def run_design(
    request: str,
    *,
    conversation: list[Turn] | None = None,
    hints: Hints | None = None,
    assume_defaults: bool = False,
    provider: ResourceProvider | None = None,
    deep_validation: bool = False,
    on_event: EventCallback | None = None,
) -> DesignResult:
    """Design from a request and the conversation so far. Never raises for bad user input."""
    state: DesignState = {
        "request": request,
        "conversation": list(conversation or []),
        "hints": hints or {},
        "assume_defaults": assume_defaults,
    }
    chosen = provider or OfflineProvider()
    config = {
        "configurable": {
            "provider": chosen,
            "deep_validation": deep_validation,
            "level_spans": LevelSpans(),
        }
    }
    with tracer().start_as_current_span("design", attributes={"autcloud.provider": chosen.name}):
        return await _run(request, state, config, chosen, on_event)


async def _run(
    request: str,
    state: DesignState,
    config: dict[str, Any],
    provider: ResourceProvider,
    on_event: EventCallback | None,
) -> DesignResult:
    started = time.perf_counter()
    marks: dict[str, float] = {}
    final: dict[str, Any] = {}
    async for mode, chunk in _GRAPH.astream(state, config, stream_mode=["custom", "values"]):  # type: ignore[call-overload]
        if mode == "custom":
            event: Event = chunk
            if isinstance(event, NodeFinished) and event.node == "plan":
                marks["levels_started"] = time.perf_counter()
            if isinstance(event, NodeStarted) and event.node == "combine":
                marks["levels_finished"] = time.perf_counter()
            if on_event is not None:
                on_event(event)
        else:
            final = chunk
    total_ms = round((time.perf_counter() - started) * 1000, 2)
    timings = dict(final.get("timings_ms", {}))
    if "levels_started" in marks and "levels_finished" in marks:
        timings["generate"] = round((marks["levels_finished"] - marks["levels_started"]) * 1000, 2)
    timings["total"] = total_ms
    result, design = _result(request, final, timings, provider)
    if on_event is not None and design.cost is not None:
        on_event(cost_event(design.cost, traceparent=current_traceparent()))
    return result


def cost_event(estimate: Cost, *, largest: int = 5, traceparent: str = "") -> CostEstimated:
    """The estimate as an event: the total, the budget and the ``largest`` lines by cost."""
    lines = sorted(estimate.lines, key=lambda line: -line.monthly_usd)
    return CostEstimated(
        monthly_usd=estimate.total_usd,
        budget_usd=estimate.budget_usd,
        breakdown={line.address: line.monthly_usd for line in lines[:largest]},
        traceparent=traceparent,
    )


def _result(
    request: str, final: dict[str, Any], timings: dict[str, float], provider: ResourceProvider
) -> tuple[DesignResult, DesignDocument]:
    """The run's outcome and its document as the model: a document that drifts from
    DesignDocument (docs/design.schema.json) raises here, so the tests catch it."""
    result = _unchecked_result(request, final, timings, provider)
    return result, validated(result.document)


def _unchecked_result(
    request: str, final: dict[str, Any], timings: dict[str, float], provider: ResourceProvider
) -> DesignResult:
    document: dict[str, Any] = {
        "autcloud_version": __version__,
        "status": "",
        "request": redact(request),
        "provider": provider.name,
        "region": None,
        "requirements": {},
        "assumptions": final.get("assumptions", []),
        "questions": [q.to_dict() for q in final.get("questions", [])],
        "resources": [],
        "levels": [],
        "validation": {"passed": False, "steps": []},
        "timings_ms": timings,
    }
    if isinstance(provider, ReportingProvider):
        document["provider_notes"] = provider.report()
    if final.get("route") == "refused":
        document["status"] = DesignStatus.REFUSED.value
        document["refusal"] = {
            "reason": final.get("refusal", ""),
            "code": final.get("refusal_code", ""),
        }
        return DesignResult(DesignStatus.REFUSED, {}, document)
    requirements = final.get("requirements")
    if requirements is not None:
        document["requirements"] = requirements.to_dict()
        ledger = final.get("ledger")
        if ledger is not None:
            document["requirements"]["ledger"] = ledger.to_list()
            document["ledger_summary"] = ledger.counts()
        document["region"] = requirements.region
        document["region_name"] = get_region(requirements.region).name
    if final.get("budget"):
        document["budget"] = final["budget"]
    if final.get("questions"):
        document["status"] = DesignStatus.NEEDS_INPUT.value
        return DesignResult(DesignStatus.NEEDS_INPUT, {}, document)
    plan = final["plan"]
    document["resources"] = plan.summary()
    # Variables with no default: terraform asks for them; the person must know before applying.
    document["required_inputs"] = [
        {"name": v.name, "description": v.description, "sensitive": v.sensitive}
        for v in plan.blueprint.variables.values()
        if v.default is None
    ]
    document["levels"] = plan.levels
    steps = final.get("validation", [])
    passed = all(step.status is not StepStatus.FAILED for step in steps)
    document["validation"] = {
        "passed": passed,
        "steps": [step.to_dict() for step in steps],
        "fix_iterations": final.get("fix_iterations", []),
        "pillars": [p.to_dict() for p in score_pillars(steps)],
        "skipped_checks": _inline_skips(steps),
    }
    document["files"] = sorted(final.get("files", {}))
    document["cost"] = next((step.details for step in steps if step.name == "cost"), None)
    status = DesignStatus.DESIGNED if passed else DesignStatus.INVALID
    document["status"] = status.value
    return DesignResult(status, dict(final.get("files", {})), document)


def score_pillars(steps: list[StepResult]) -> list[PillarScore]:
    """Per-pillar scores from every check that ran: failures from findings, passes from details."""
    outcomes = [
        CheckOutcome(f.check_id, f.message, False, f.address)
        for step in steps
        for f in step.findings
    ]
    for step in steps:
        for check_id, name in step.details.get("passed_checks", []):
            outcomes.append(CheckOutcome(check_id, name, True))
        if step.status is StepStatus.PASSED and not step.details.get("passed_checks"):
            outcomes.append(CheckOutcome(_STEP_CHECK.get(step.name, step.name), step.name, True))
    return score(outcomes)


_STEP_CHECK = {
    "terraform fmt": "terraform.fmt",
    "terraform validate": "terraform.validate",
    "references": "references.resource",
    "secrets": "secrets.literal",
    "parse": "terraform.parse",
    "intent": "intent.value",
}


def _inline_skips(steps: list[StepResult]) -> list[dict[str, Any]]:
    return [
        skip for step in steps for skip in step.details.get("skipped", []) if isinstance(skip, dict)
    ]
