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


def test_an_english_request_graphs_the_load_balancer_service_database_and_queue() -> None:
    module, ledger = _design("Web app on ECS with postgres, a job queue and a CloudWatch dashboard")
    body = str(module.resources["aws_cloudwatch_dashboard"]["main"]["dashboard_body"])
    for needle in ("AWS/ApplicationELB", "AWS/ECS", "AWS/RDS", "AWS/SQS"):
        assert needle in body
    assert _evidence(ledger["service.dashboard"]) == ["aws_cloudwatch_dashboard.main"]


def test_a_korean_request_graphs_the_functions_and_table() -> None:
    module, ledger = _design("람다 API와 DynamoDB, 모니터링 대시보드 만들어줘")
    body = str(module.resources["aws_cloudwatch_dashboard"]["main"]["dashboard_body"])
    assert "AWS/Lambda" in body and "AWS/DynamoDB" in body
    assert ledger["service.dashboard"]["status"] == "honored"


def test_an_admin_dashboard_app_gets_no_cloudwatch_dashboard() -> None:
    module, _ = _design("An internal admin dashboard on ECS with postgres")
    assert "aws_cloudwatch_dashboard" not in module.resources
