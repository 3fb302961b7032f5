import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


def test_a_stated_budget_alone_builds_a_monthly_cost_budget_of_that_amount() -> None:
    module, _ = _design("A small web API with postgres, budget $400 per month, email ops@acme.io")
    budget = module.resources["aws_budgets_budget"]["monthly"]
    assert budget["budget_type"] == "COST" and budget["time_unit"] == "MONTHLY"
    assert module.variables["monthly_budget_usd"]["default"] == 400


def test_notifications_go_to_the_alert_emails_at_80_actual_and_100_forecast() -> None:
    module, _ = _design("A small web API with postgres, budget $400 per month, email ops@acme.io")
    notes = module.resources["aws_budgets_budget"]["monthly"]["notification"]
    assert {(n["threshold"], n["notification_type"]) for n in notes} == {
        (80, "ACTUAL"),
        (100, "FORECASTED"),
    }
    assert all(n["subscriber_email_addresses"] == "${var.alert_emails}" for n in notes)


def test_a_korean_request_without_emails_publishes_to_the_alarm_topic() -> None:
    module, ledger = _design("람다로 서버리스 API 만들고 비용 알림 설정해줘")
    notes = module.resources["aws_budgets_budget"]["monthly"]["notification"]
    assert all("aws_sns_topic.alerts" in str(n["subscriber_sns_topic_arns"]) for n in notes)
    assert "alerts" in module.resources["aws_sns_topic_policy"]
    assert ledger["service.budgets"]["status"] == "honored"
    assert _evidence(ledger["service.budgets"]) == ["aws_budgets_budget.monthly"]


def test_a_request_without_a_budget_or_budget_alerts_builds_none() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_budgets_budget" not in module.resources
