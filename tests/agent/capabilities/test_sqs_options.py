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


EN = "queue workers with a FIFO queue, retry 3 times then dead-letter queue, keep messages 7 days, visibility timeout of 2 minutes"
KO = "큐 워커, fifo 큐로 순서 보장, 3번 실패하면 데드레터 큐로"


def test_an_english_request_builds_a_fifo_queue_and_a_fifo_dead_letter_queue() -> None:
    module, _ = _design(EN)
    queues = module.resources["aws_sqs_queue"]
    assert queues["jobs"]["fifo_queue"] is True
    assert queues["jobs"]["content_based_deduplication"] is True
    assert queues["jobs"]["name"].endswith(".fifo")
    assert queues["jobs_dlq"]["fifo_queue"] is True
    assert queues["jobs_dlq"]["name"].endswith(".fifo")


def test_the_stated_retries_retention_and_visibility_land_on_the_queue() -> None:
    module, ledger = _design(EN)
    queue = module.resources["aws_sqs_queue"]["jobs"]
    assert "maxReceiveCount = 3," in queue["redrive_policy"]
    assert queue["message_retention_seconds"] == 604800
    assert queue["visibility_timeout_seconds"] == 120
    for key in (
        "sqs.max_receive_count",
        "sqs.retention_days",
        "sqs.visibility_timeout",
        "service.sqs_fifo",
    ):
        assert ledger[key]["status"] == "honored"
        assert "aws_sqs_queue.jobs" in _evidence(ledger[key])


def test_a_korean_request_builds_a_fifo_queue_with_the_stated_retries() -> None:
    module, ledger = _design(KO)
    queue = module.resources["aws_sqs_queue"]["jobs"]
    assert queue["fifo_queue"] is True
    assert "maxReceiveCount = 3," in queue["redrive_policy"]
    assert ledger["sqs.max_receive_count"]["status"] == "honored"


def test_a_queue_not_asked_to_be_fifo_stays_standard() -> None:
    module, _ = _design("queue workers on containers")
    assert "fifo_queue" not in module.resources["aws_sqs_queue"]["jobs"]


def test_in_order_to_is_not_an_ordering_ask() -> None:
    module, _ = _design("queue workers in order to process uploads")
    assert "fifo_queue" not in module.resources["aws_sqs_queue"]["jobs"]
