"""The workflow's typed state: what each node reads, and the partial updates it returns."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from autcloud.agent.ledger import Ledger
from autcloud.agent.planner import Plan
from autcloud.agent.requirements import Question, Requirements
from autcloud.agent.validation.report import StepResult


class Turn(TypedDict, total=False):
    """One later message of the conversation: an answer to a question, or a change request."""

    type: str  # "answer" | "change"
    question_id: str
    text: str


class Hints(TypedDict, total=False):
    """Structured hints given beside the request (the InfraDesign spec's hints)."""

    region: str
    budget_amount: float
    budget_currency: str
    availability: str  # "standard" | "high"


class GeneratedResource(TypedDict):
    address: str
    text: str
    level: int
    ms: float


def merge_timings(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    merged = dict(left)
    for key, value in right.items():
        merged[key] = round(merged.get(key, 0.0) + value, 2)
    return merged


class DesignState(TypedDict, total=False):
    # Input.
    request: str
    conversation: list[Turn]
    hints: Hints
    assume_defaults: bool
    # route / guard
    route: str
    refusal: str
    refusal_code: str
    # gather
    requirements: Requirements
    questions: list[Question]
    assumptions: list[str]
    # plan and the level executor
    plan: Plan
    ledger: Ledger
    budget: dict[str, Any] | None  # over budget: the cheaper structures, priced
    level: int
    generated: Annotated[list[GeneratedResource], operator.add]
    # combine and validate
    files: dict[str, str]
    validation: list[StepResult]
    fix_iterations: Annotated[list[dict[str, Any]], operator.add]
    timings_ms: Annotated[dict[str, float], merge_timings]
    extra: dict[str, Any]
