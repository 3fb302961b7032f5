"""Over budget: cheaper structures, priced, offered, and built when chosen (agent/budget_alternatives.py).

Prices come from the shipped price table; the tests assert relations (cheaper, fits, applied)
and the structures' resources, not the table's numbers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from autcloud.agent.budget_alternatives import STRUCTURES, Alternative, choice_of, reshaped
from autcloud.agent.design import DesignResult, DesignStatus, run_design
from autcloud.agent.planner import Plan, plan_resources
from autcloud.agent.requirements import BUDGET_QUESTION, gather, read_message
from autcloud.agent.state import Turn

HA_API = "A containerised web API with PostgreSQL in Seoul, highly available, budget {} USD a month"
API = "A containerised web API with PostgreSQL in Seoul, budget {} USD a month"


def design(request: str, *, yes: bool, conversation: list[Turn] | None = None) -> DesignResult:
    return asyncio.run(run_design(request, assume_defaults=yes, conversation=conversation))


def plan_for(text: str, *, choice: list[str] | None = None) -> Plan:
    req = gather([read_message(text)], assume_defaults=True).requirements
    if choice is not None:
        req.budget_choice = choice
    return plan_resources(req)


def types_of(plan: Plan) -> set[str]:
    return {spec.type for spec in plan.resources if not spec.data_source}


def alternatives(result: DesignResult) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in result.document["budget"]["alternatives"]}


def test_under_budget_there_is_no_budget_report_and_no_question() -> None:
    result = design(API.format(2000), yes=False)
    assert result.status is DesignStatus.DESIGNED
    assert "budget" not in result.document


def test_with_yes_the_first_structure_that_keeps_every_ask_is_built() -> None:
    result = design(HA_API.format(80), yes=True)
    offered = alternatives(result)
    # One zone would drop "highly available", Lambda "containerised": offered with that named,
    # never taken on their own.
    assert offered["single_az"]["drops"] == ["highly available"]
    assert offered["serverless_api"]["drops"] == ["containerised"]
    expected = choice_of([Alternative(**{**a, "applied": False}) for a in offered.values()])
    assert [a["id"] for a in offered.values() if a["applied"]] == expected
    assert not offered["single_az"]["applied"] and not offered["serverless_api"]["applied"]
    types = {r["type"] for r in result.document["resources"]}
    assert ("aws_apprunner_service" in types) is ("app_runner" in expected)
    assert ("aws_ecs_service" in types) is ("app_runner" not in expected)
    budget = result.document["budget"]
    assert result.document["cost"]["total_usd"] == pytest.approx(budget["estimate_usd"], abs=0.01)


def test_with_yes_an_answerable_gap_is_closed_by_a_structure() -> None:
    # No ask names the compute: App Runner or Lambda keep every ask, and one of them is built.
    result = design("A web API with PostgreSQL in Seoul, budget 70 USD a month", yes=True)
    applied = [a for a in result.document["budget"]["alternatives"] if a["applied"]]
    assert applied and all(not a["drops"] for a in applied)
    assert result.document["budget"]["estimate_usd"] < result.document["budget"]["before_usd"]
    assert any(
        a.startswith("Budget: ") and applied[0]["change"] in a
        for a in result.document["assumptions"]
    )


def test_every_offered_structure_is_cheaper_than_the_design_and_priced() -> None:
    result = design(HA_API.format(80), yes=True)
    before = result.document["budget"]["before_usd"]
    for alternative in result.document["budget"]["alternatives"]:
        assert 0 < alternative["monthly_usd"] < before
        assert alternative["saves_usd"] == pytest.approx(before - alternative["monthly_usd"], 0.01)
        assert alternative["fits"] is (alternative["monthly_usd"] <= 80)


def test_without_yes_the_design_asks_which_structure_with_the_prices() -> None:
    result = design(API.format(60), yes=False)
    assert result.status is DesignStatus.NEEDS_INPUT
    [question] = result.document["questions"]
    assert question["id"] == BUDGET_QUESTION
    offered = [Alternative(**a) for a in result.document["budget"]["alternatives"]]
    assert question["default"] == ("+".join(choice_of(offered)) or "keep")
    for alternative in result.document["budget"]["alternatives"]:
        assert f"{alternative['id']}: " in question["text"]
        assert f"${alternative['monthly_usd']:,.0f}/month" in question["text"]
    assert result.files == {}


def test_the_answer_builds_the_named_structure() -> None:
    answer: Turn = {"type": "answer", "question_id": BUDGET_QUESTION, "text": "serverless_api"}
    result = design(API.format(60), yes=False, conversation=[answer])
    assert result.status in (DesignStatus.DESIGNED, DesignStatus.INVALID)
    types = {r["type"] for r in result.document["resources"]}
    assert {"aws_lambda_function", "aws_apigatewayv2_api"} <= types
    assert "aws_ecs_service" not in types
    assert alternatives(result)["serverless_api"]["applied"]


def test_keep_leaves_the_design_over_budget_and_says_so() -> None:
    answer: Turn = {"type": "answer", "question_id": BUDGET_QUESTION, "text": "keep"}
    result = design(API.format(60), yes=False, conversation=[answer])
    types = {r["type"] for r in result.document["resources"]}
    assert "aws_ecs_service" in types
    ledger = result.document["requirements"]["ledger"]
    [budget] = [entry for entry in ledger if entry["kind"] == "budget"]
    assert budget["status"] == "conflict"


def test_an_unknown_answer_is_named_with_the_known_ids() -> None:
    plan = plan_for(API.format(60), choice=["cheapest"])
    notes = " ".join(plan.blueprint.notes)
    assert "'cheapest'" in notes and "serverless_api" in notes and "keep" in notes


@pytest.mark.parametrize(
    ("structure", "request_text", "present", "absent"),
    [
        ("fargate_spot", API, set(), set()),
        ("app_runner", API, {"aws_apprunner_service"}, {"aws_ecs_service", "aws_lb"}),
        ("serverless_api", API, {"aws_lambda_function"}, {"aws_ecs_service"}),
        ("no_nat", API, {"aws_vpc_endpoint"}, {"aws_nat_gateway"}),
        ("aurora_serverless", API, {"aws_rds_cluster"}, {"aws_db_instance"}),
        ("single_az", HA_API, {"aws_db_instance"}, set()),
    ],
)
def test_each_structure_builds_what_it_says(
    structure: str, request_text: str, present: set[str], absent: set[str]
) -> None:
    plan = plan_for(request_text.format(10), choice=[structure])
    types = types_of(plan)
    assert present <= types
    assert not absent & types
    if structure == "fargate_spot":
        service = plan.blueprint.find("aws_ecs_service.app")
        assert service is not None
        assert "FARGATE_SPOT" in repr(service.body["capacity_provider_strategy"])
    if structure == "single_az":
        db = plan.blueprint.find("aws_db_instance.main")
        assert db is not None and db.body["multi_az"] is False
    if structure == "aurora_serverless":
        cluster = plan.blueprint.find("aws_rds_cluster.main")
        assert cluster is not None
        assert "serverlessv2_scaling_configuration" in cluster.body


def test_structures_apply_only_where_they_make_sense() -> None:
    req = gather([read_message("a static website in Seoul")], assume_defaults=True).requirements
    assert [s.id for s in STRUCTURES if s.applies(req)] == []
    reshaped_req = reshaped(req, ["app_runner", "fargate_spot"])
    assert reshaped_req.compute == req.compute and reshaped_req.services == req.services


def test_choice_takes_the_first_fit_else_every_saving_that_keeps_the_asks() -> None:
    def alt(id_: str, fits: bool, drops: list[str] | None = None) -> Alternative:
        return Alternative(id_, "", "", 10.0, 5.0, fits, drops or [])

    assert choice_of([alt("a", False), alt("b", True), alt("c", True)]) == ["b"]
    assert choice_of([alt("a", True, ["highly available"]), alt("b", False)]) == ["b"]
    assert choice_of([alt("a", False), alt("b", False)]) == ["a", "b"]
    assert choice_of([alt("a", True, ["x"])]) == []


def test_high_availability_is_not_honored_by_a_database_without_a_standby() -> None:
    answer: Turn = {"type": "answer", "question_id": BUDGET_QUESTION, "text": "single_az"}
    result = design(HA_API.format(10), yes=False, conversation=[answer])
    ledger = result.document["requirements"]["ledger"]
    [ha] = [entry for entry in ledger if entry["kind"] == "availability"]
    assert ha["status"] == "unsupported"
    assert "aws_db_instance.main" in ha["why"]


def test_the_question_with_every_structure_fits_the_crds_question_text() -> None:
    from autcloud.agent.budget_alternatives import question_text

    every = [
        Alternative(s.id, s.change, s.trade_off, 12345.0, 1.0, False, ["highly available"])
        for s in STRUCTURES
    ]
    assert len(question_text(every, 99999.0, 10.0)) <= 2000  # status.questions[].text maxLength
