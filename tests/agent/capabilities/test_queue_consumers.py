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


LAMBDA = "A serverless API on Lambda with an SQS queue and a Kinesis event stream"
EN_WORDS = "A containerized web app on ECS with an SQS queue; a Lambda consumer processes the queue"
KO_WORDS = "ECS 웹 서비스와 SQS 큐, 큐를 람다가 처리하도록 해줘"


def test_a_lambda_design_consumes_its_queue_reporting_partial_batch_failures() -> None:
    module, _ = _design(LAMBDA)
    mapping = module.resources["aws_lambda_event_source_mapping"]["jobs_to_api"]
    assert mapping["event_source_arn"] == "${aws_sqs_queue.jobs.arn}"
    assert mapping["function_name"] == "${aws_lambda_function.api.arn}"
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == 10


def test_the_consumer_role_may_receive_delete_and_decrypt() -> None:
    module, _ = _design(LAMBDA)
    policy = str(module.resources["aws_iam_role_policy"]["api_queue_consumer"]["policy"])
    for action in (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "kms:Decrypt",
    ):
        assert action in policy
    assert "aws_kms_key.main.arn" in policy


def test_a_lambda_design_reads_its_stream_from_the_latest_records() -> None:
    module, _ = _design(LAMBDA)
    mapping = module.resources["aws_lambda_event_source_mapping"]["events_stream_to_api"]
    assert mapping["starting_position"] == "LATEST"
    assert mapping["event_source_arn"] == "${aws_kinesis_stream.events.arn}"


def test_dead_letter_queues_are_never_consumed() -> None:
    module, _ = _design(LAMBDA)
    sources = [
        m["event_source_arn"] for m in module.resources["aws_lambda_event_source_mapping"].values()
    ]
    assert not [s for s in sources if "dlq" in s]


def test_an_english_request_naming_it_adds_a_worker_function_to_an_ecs_design() -> None:
    module, ledger = _design(EN_WORDS)
    assert "worker" in module.resources["aws_lambda_function"]
    entry = ledger["service.queue_consumers"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == ["aws_lambda_event_source_mapping.jobs_to_worker"]


def test_a_korean_request_naming_it_is_honored_with_the_mapping_as_evidence() -> None:
    module, ledger = _design(KO_WORDS)
    assert "jobs_to_worker" in module.resources["aws_lambda_event_source_mapping"]
    assert ledger["service.queue_consumers"]["status"] == "honored"


def test_an_ecs_design_with_a_queue_not_naming_it_builds_no_lambda_consumer() -> None:
    module, _ = _design("A containerized web app on ECS with an SQS queue for background jobs")
    assert "aws_lambda_event_source_mapping" not in module.resources


def test_the_queue_visibility_timeout_covers_a_stated_function_timeout() -> None:
    module, _ = _design("A serverless API on Lambda with a 15 minute timeout and an SQS queue")
    assert module.resources["aws_sqs_queue"]["jobs"]["visibility_timeout_seconds"] >= 900
