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


EN = "An event-driven serverless backend on Lambda with an EventBridge event bus"
KO = "SQS 큐와 워커로 구성된 이벤트 버스 기반 인프라"


def test_the_bus_rule_invokes_the_first_lambda_function_with_permission() -> None:
    module, ledger = _design(EN)
    assert "app" in module.resources["aws_cloudwatch_event_bus"]
    rule = module.resources["aws_cloudwatch_event_rule"]["app_events"]
    assert "aws_cloudwatch_event_bus.app" in rule["event_bus_name"]
    target = module.resources["aws_cloudwatch_event_target"]["app_events"]
    assert "aws_lambda_function.api.arn" in target["arn"]
    permission = module.resources["aws_lambda_permission"]["event_bus_api"]
    assert permission["principal"] == "events.amazonaws.com"
    assert "aws_cloudwatch_event_rule.app_events.arn" in permission["source_arn"]
    assert _evidence(ledger["service.eventbridge"]) == ["aws_cloudwatch_event_bus.app"]


def test_a_korean_request_with_a_queue_targets_the_queue_with_a_queue_policy() -> None:
    module, ledger = _design(KO)
    target = module.resources["aws_cloudwatch_event_target"]["app_events"]
    assert "aws_sqs_queue.jobs.arn" in target["arn"]
    policy = module.resources["aws_sqs_queue_policy"]["jobs"]["policy"]
    assert "events.amazonaws.com" in policy
    assert ledger["service.eventbridge"]["status"] == "honored"


def test_a_request_not_naming_eventbridge_builds_no_bus() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_cloudwatch_event_bus" not in module.resources


def test_a_named_bus_and_a_detail_type_rule_deliver_to_the_queue_named_for_it() -> None:
    module, ledger = _design(
        'Custom EventBridge bus called "commerce". A rule on that bus matches OrderPlaced events '
        "and sends them to an SQS queue (analytics)."
    )
    assert module.resources["aws_cloudwatch_event_bus"]["app"]["name"] == "commerce"
    assert (
        "OrderPlaced"
        in module.resources["aws_cloudwatch_event_rule"]["order_placed_events"]["event_pattern"]
    )
    targets = module.resources["aws_cloudwatch_event_target"]
    assert any("aws_sqs_queue" in str(t["arn"]) for t in targets.values())
    assert ledger["eventbridge.detail_types"]["status"] == "honored"


def test_a_korean_detail_type_rule_is_built() -> None:
    module, _ = _design(
        "EventBridge 커스텀 이벤트 버스 orders-bus 만들어주세요. OrderCancelled는 환불 람다로."
    )
    assert module.resources["aws_cloudwatch_event_bus"]["app"]["name"] == "orders-bus"
    assert "order_cancelled_events" in module.resources["aws_cloudwatch_event_rule"]
