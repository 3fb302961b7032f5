"""The design workflow, assembled in one place and readable top to bottom:

    route ─► gather ─► plan ─► dispatch_level ═► generate_resource (one per resource, in parallel)
      │         │                  ▲                     │
      ▼         ▼                  └──── next_level ◄────┘  (level after level)
     END       END (questions)              │
                                            ▼
                                  combine ─► validate ─► END
                                                ▲   │ (failed, fixable, < MAX_FIX_ITERATIONS)
                                                └─ fix

Side effects stay outside: the resource provider arrives through the run's config, progress
leaves through LangGraph's stream writer.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send
from opentelemetry import trace

from autcloud.agent.catalog.base import ResourceSpec, module_of
from autcloud.agent.combine import combine, file_of
from autcloud.agent.cost import estimate_cost
from autcloud.agent.fidelity import fold_asks, read_asks
from autcloud.agent.fidelity import resolve as resolve_ledger
from autcloud.agent.guard import Route, route
from autcloud.agent.planner import Plan, plan_resources
from autcloud.agent.providers.base import ResourceProvider
from autcloud.agent.providers.offline import OfflineProvider
from autcloud.agent.requirements import Budget, Signals, apply_answer, gather, read_message
from autcloud.agent.state import DesignState, GeneratedResource, Hints
from autcloud.agent.validation.fixes import fix
from autcloud.agent.validation.pipeline import validate_files
from autcloud.agent.validation.report import StepResult, StepStatus
from autcloud.events import (
    Event,
    FixApplied,
    LevelStarted,
    NodeFinished,
    NodeStarted,
    PlanReady,
    QuestionAsked,
    ResourceGenerated,
    ValidationStep,
)
from autcloud.tracing import current_traceparent, tracer

MAX_FIX_ITERATIONS = 3

Node = Callable[[DesignState, RunnableConfig], Awaitable[dict[str, Any]]]


def emit(event: Event) -> None:
    """Send a progress event (the wire schema's own class) to whoever streams the run; a no-op
    outside a stream."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # not running inside a graph
        return
    traceparent = current_traceparent()
    writer(dataclasses.replace(event, traceparent=traceparent) if traceparent else event)


class LevelSpans:
    """One span per dependency level, from its dispatch to the last of its resources: the
    level's generate_resource tasks run as its children. Kept in the run's config (shared by
    the nodes of one run), since a level outlives the node that starts it."""

    def __init__(self) -> None:
        self._open: dict[int, trace.Span] = {}

    def start(self, level: int, resources: int) -> None:
        self._open[level] = tracer().start_span(
            f"level {level}", attributes={"autcloud.level": level, "autcloud.resources": resources}
        )

    def context(self, level: int) -> Any:
        span = self._open.get(level)
        return trace.set_span_in_context(span) if span is not None else None

    def end(self, level: int) -> None:
        span = self._open.pop(level, None)
        if span is not None:
            span.end()


def level_spans(config: RunnableConfig) -> LevelSpans:
    """The run's level spans (run_design, the graph's only caller, puts them in the config):
    a level's span is started by one node and ended by another, so they must share them."""
    spans: LevelSpans = config["configurable"]["level_spans"]
    return spans


def timed(name: str) -> Callable[[Node], Node]:
    """Emit node.started/node.finished around a node and add its time to ``timings_ms``."""

    def decorate(node: Node) -> Node:
        @wraps(node)
        async def run(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
            with tracer().start_as_current_span(f"node {name}", attributes={"autcloud.node": name}):
                emit(NodeStarted(node=name))
                started = time.perf_counter()
                update = await node(state, config)
                elapsed = round((time.perf_counter() - started) * 1000, 2)
                emit(NodeFinished(node=name, duration_ms=elapsed))
            update["timings_ms"] = {**update.get("timings_ms", {}), name: elapsed}
            return update

        return run

    return decorate


def provider_from(config: RunnableConfig) -> ResourceProvider:
    provider: ResourceProvider | None = config.get("configurable", {}).get("provider")
    return provider if provider is not None else OfflineProvider()


# --- nodes ------------------------------------------------------------------------------------


@timed("route")
async def route_request(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    decision = route(
        state["request"], [turn.get("text", "") for turn in state.get("conversation", [])]
    )
    return {
        "route": decision.route.value,
        "refusal": decision.reason,
        "refusal_code": decision.code,
    }


@timed("gather")
async def gather_requirements(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    request = read_message(state["request"])
    request.asks = read_asks(state["request"], request)
    messages = [_hint_signals(state.get("hints", {})), request]
    for index, turn in enumerate(state.get("conversation", [])):
        text = turn.get("text", "")
        if turn.get("type") == "answer":
            message = apply_answer(turn.get("question_id", ""), text)
        else:
            message = read_message(text)
        if message.budget_choice is None:  # a budget answer names structures, not services
            message.asks = read_asks(text, message, source=f"conversation[{index}]")
        messages.append(message)
    messages[0].language = messages[1].language
    gathered = gather(messages, assume_defaults=state.get("assume_defaults", False))
    fold_asks(gathered.requirements)
    for question in gathered.questions:
        emit(QuestionAsked(question_id=question.id, text=question.text, default=question.default))
    return {
        "requirements": gathered.requirements,
        "questions": gathered.questions,
        "assumptions": gathered.assumptions,
    }


def _hint_signals(hints: Hints) -> Signals:
    signals = Signals()
    if hints.get("region"):
        signals.region = hints["region"]
    if hints.get("budget_amount"):
        signals.budget = Budget(
            float(hints["budget_amount"]), str(hints.get("budget_currency", "USD"))
        )
    if hints.get("availability"):
        signals.high_availability = hints["availability"] == "high"
    return signals


@timed("plan")
async def plan(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    resource_plan = plan_resources(
        state["requirements"], assume_defaults=state.get("assume_defaults", False)
    )
    requirements = resource_plan.requirements or state["requirements"]
    budget = _budget_report(resource_plan)
    if resource_plan.question is not None:
        question = resource_plan.question
        emit(QuestionAsked(question_id=question.id, text=question.text, default=question.default))
        return {"questions": [question], "budget": budget}
    emit(PlanReady(resources=len(resource_plan.resources), levels=len(resource_plan.levels)))
    module = module_of(resource_plan.blueprint)
    ledger = resolve_ledger(
        requirements,
        module,
        monthly_cost_usd=estimate_cost(module, requirements.region).total_usd,
    )
    return {
        "requirements": requirements,
        "plan": resource_plan,
        "ledger": ledger,
        "level": 0,
        "budget": budget,
        "assumptions": [*state.get("assumptions", []), *resource_plan.blueprint.notes],
    }


def _budget_report(resource_plan: Plan) -> dict[str, Any] | None:
    if resource_plan.budget is None:
        return None
    return {
        **resource_plan.budget,
        "alternatives": [a.to_dict() for a in resource_plan.budget["alternatives"]],
    }


async def dispatch_level(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    level = state["level"]
    count = len(state["plan"].levels[level])
    level_spans(config).start(level, count)
    emit(LevelStarted(level=level, resources=count))
    return {}


def fan_out(state: DesignState) -> list[Send]:
    """One generate_resource task per resource of the current level: they run in parallel."""
    level = state["level"]
    return [
        Send(
            "generate_resource",
            {
                "address": address,
                "level": level,
                "plan": state["plan"],
                "requirements": state["requirements"],
            },
        )
        for address in state["plan"].levels[level]
    ]


async def generate_resource(task: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    spec = task["plan"].blueprint.find(task["address"])
    with tracer().start_as_current_span(
        f"generate {spec.address}",
        context=level_spans(config).context(task["level"]),
        attributes={"autcloud.address": spec.address, "autcloud.level": task["level"]},
    ):
        started = time.perf_counter()
        text = await provider_from(config).generate(spec, task["requirements"])
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        emit(generated_event(spec, task["level"], elapsed))
    generated: GeneratedResource = {
        "address": spec.address,
        "text": text,
        "level": task["level"],
        "ms": elapsed,
    }
    return {"generated": [generated]}


def generated_event(spec: ResourceSpec, level: int, elapsed: float) -> ResourceGenerated:
    return ResourceGenerated(
        address=spec.address,
        resource_type=spec.type,
        file=file_of(spec),
        level=level,
        duration_ms=elapsed,
    )


async def next_level(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    level_spans(config).end(state["level"])
    return {"level": state["level"] + 1}


@timed("combine")
async def combine_files(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    texts = {item["address"]: item["text"] for item in state.get("generated", [])}
    files = combine(state["plan"].blueprint, texts, request=state["request"])
    return {"files": files}


@timed("validate")
async def validate(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    options = config.get("configurable", {})
    steps = await validate_files(
        state["files"],
        requirements=state["requirements"],
        ledger=state.get("ledger"),
        deep=options.get("deep_validation", False),
        on_step=_emit_step,
    )
    return {"validation": steps}


@timed("fix")
async def fix_findings(state: DesignState, config: RunnableConfig) -> dict[str, Any]:
    """Repair what validation found; the next validate pass judges the result."""
    files, report = fix(state["files"], state["validation"])
    number = len(state.get("fix_iterations", [])) + 1
    iteration = {
        "iteration": number,
        "applied": report.applied,
        "unfixed": [f"{f.check_id} {f.address}: {f.message}".strip() for f in report.unfixed],
    }
    emit(FixApplied(iteration=number, applied=list(report.applied), unfixed=len(report.unfixed)))
    return {"files": files, "fix_iterations": [iteration]}


def _emit_step(step: StepResult) -> None:
    # A span per step, recorded when it reports (the pipeline may run steps side by side): it
    # ends now and began its duration ago, under the validate node's span.
    ended = time.time_ns()
    span = tracer().start_span(
        f"check {step.name}",
        start_time=ended - int(step.duration_ms * 1_000_000),
        attributes={"autcloud.check": step.name, "autcloud.status": step.status.value},
    )
    span.end(end_time=ended)
    emit(
        ValidationStep(
            step=step.name,
            passed=step.status is not StepStatus.FAILED,
            status=step.status.value,
            findings=len(step.findings),
            duration_ms=step.duration_ms,
            summary=step.reason,
        )
    )


# --- edges ------------------------------------------------------------------------------------


def after_route(state: DesignState) -> str:
    return END if state["route"] == Route.REFUSED.value else "gather"


def after_gather(state: DesignState) -> str:
    return END if state.get("questions") else "plan"


def after_plan(state: DesignState) -> str:
    return END if state.get("questions") else "dispatch_level"


def after_validate(state: DesignState) -> str:
    failed = [step for step in state["validation"] if step.status is StepStatus.FAILED]
    iterations = state.get("fix_iterations", [])
    if not failed or len(iterations) >= MAX_FIX_ITERATIONS:
        return END
    if iterations and not iterations[-1]["applied"]:
        return END  # the last pass repaired nothing: another would not either
    return "fix"


def after_level(state: DesignState) -> str:
    return "dispatch_level" if state["level"] < len(state["plan"].levels) else "combine"


def build_graph() -> CompiledStateGraph[DesignState, Any, DesignState, DesignState]:
    graph = StateGraph(DesignState)
    nodes: dict[str, Any] = {  # Any: LangGraph's node protocols cannot type a decorated async node
        "route": route_request,
        "gather": gather_requirements,
        "plan": plan,
        "dispatch_level": dispatch_level,
        "generate_resource": generate_resource,
        "next_level": next_level,
        "combine": combine_files,
        "validate": validate,
        "fix": fix_findings,
    }
    for name, node in nodes.items():
        graph.add_node(name, node)

    graph.add_edge(START, "route")
    graph.add_conditional_edges("route", after_route, ["gather", END])
    graph.add_conditional_edges("gather", after_gather, ["plan", END])
    graph.add_conditional_edges("plan", after_plan, ["dispatch_level", END])
    graph.add_conditional_edges("dispatch_level", fan_out, ["generate_resource"])
    graph.add_edge("generate_resource", "next_level")
    graph.add_conditional_edges("next_level", after_level, ["dispatch_level", "combine"])
    graph.add_edge("combine", "validate")
    graph.add_conditional_edges("validate", after_validate, ["fix", END])
    graph.add_edge("fix", "validate")
    return graph.compile()
