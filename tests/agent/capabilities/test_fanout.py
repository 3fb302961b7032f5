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


EN = "An ECS web app that publishes order events to SNS with fan-out to an SQS queue"
KO = "람다 서버리스 API, SNS 토픽과 SQS 큐, 팬아웃 구조"


def test_an_english_request_subscribes_the_queue_to_the_topic_raw() -> None:
    module, ledger = _design(EN)
    subscription = module.resources["aws_sns_topic_subscription"]["events_to_jobs"]
    assert subscription["protocol"] == "sqs"
    assert subscription["raw_message_delivery"] is True
    assert subscription["endpoint"] == "${aws_sqs_queue.jobs.arn}"
    assert ledger["service.fanout"]["status"] == "honored"
    assert _evidence(ledger["service.fanout"]) == ["aws_sns_topic_subscription.events_to_jobs"]


def test_only_the_topic_may_send_to_the_queue() -> None:
    module, _ = _design(EN)
    policy = str(module.resources["aws_sqs_queue_policy"]["jobs"]["policy"])
    assert "sns.amazonaws.com" in policy
    assert "aws_sns_topic.events.arn" in policy and "aws:SourceArn" in policy


def test_a_korean_request_is_honored() -> None:
    module, ledger = _design(KO)
    assert "events_to_jobs" in module.resources["aws_sns_topic_subscription"]
    assert ledger["service.fanout"]["status"] == "honored"


def test_a_topic_and_a_queue_together_are_fanned_out_without_the_word() -> None:
    module, _ = _design("An ECS web app with an SNS topic and an SQS queue")
    assert "events_to_jobs" in module.resources["aws_sns_topic_subscription"]


def test_a_topic_alone_gets_no_queue_subscription() -> None:
    module, _ = _design("An ECS web app that sends push notifications through SNS")
    assert "aws_sns_topic_subscription" not in module.resources or not [
        s for s in module.resources["aws_sns_topic_subscription"].values() if s["protocol"] == "sqs"
    ]
