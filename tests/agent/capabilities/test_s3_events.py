import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.s3_events import _read_via
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


EN = "A serverless API on Lambda with S3 file uploads; when a file is uploaded it is processed"
KO = "사진을 S3에 업로드하면 람다로 썸네일을 만드는 서버리스 앱"
VIA_SQS = "Serverless app on Lambda: uploads go to S3, S3 → SQS → Lambda processes each upload"
VIA_SNS = "An ECS web app; when a file is uploaded, S3 notifies through an SNS topic and a Lambda processes it"
VIA_EVENTBRIDGE = (
    "Lambda API with S3 uploads; S3 events via EventBridge trigger processing on upload"
)


def test_an_english_request_invokes_the_design_function_on_each_upload() -> None:
    module, ledger = _design(EN)
    notification = module.resources["aws_s3_bucket_notification"]["assets"]
    target = notification["lambda_function"][0]
    assert target["lambda_function_arn"] == "${aws_lambda_function.api.arn}"
    assert target["events"] == ["s3:ObjectCreated:*"]
    assert ledger["service.s3_events"]["status"] == "honored"
    assert _evidence(ledger["service.s3_events"]) == ["aws_s3_bucket_notification.assets"]


def test_only_the_bucket_may_invoke_the_function() -> None:
    module, _ = _design(EN)
    permission = module.resources["aws_lambda_permission"]["assets_s3_invoke"]
    assert permission["principal"] == "s3.amazonaws.com"
    assert permission["source_arn"] == "${aws_s3_bucket.assets.arn}"


def test_a_korean_request_is_honored_with_the_notification_as_evidence() -> None:
    module, ledger = _design(KO)
    assert module.resources["aws_s3_bucket_notification"]
    entry = ledger["service.s3_events"]
    assert entry["status"] == "honored"
    assert _evidence(entry)[0].startswith("aws_s3_bucket_notification.")


def test_through_sqs_the_bucket_notifies_the_queue_and_the_function_reads_it() -> None:
    module, ledger = _design(VIA_SQS)
    notification = module.resources["aws_s3_bucket_notification"]["assets"]
    assert notification["queue"][0]["queue_arn"] == "${aws_sqs_queue.jobs.arn}"
    policy = str(module.resources["aws_sqs_queue_policy"]["jobs"]["policy"])
    assert "s3.amazonaws.com" in policy and "aws:SourceArn" in policy
    assert "s3.amazonaws.com" in str(module.resources["aws_kms_key"]["main"]["policy"])
    assert "jobs_to_api" in module.resources["aws_lambda_event_source_mapping"]
    assert ledger["s3_events.via"]["status"] == "honored"


def test_through_sns_an_ecs_design_gets_a_processor_function_subscribed_to_the_topic() -> None:
    module, ledger = _design(VIA_SNS)
    assert "processor" in module.resources["aws_lambda_function"]
    assert module.resources["aws_s3_bucket_notification"]["assets"]["topic"]
    subscription = module.resources["aws_sns_topic_subscription"]["events_to_processor"]
    assert subscription["protocol"] == "lambda"
    assert ledger["s3_events.via"]["value"] == "sns"
    assert ledger["s3_events.via"]["status"] == "honored"


def test_through_eventbridge_a_rule_matches_created_objects_and_invokes_the_function() -> None:
    module, _ = _design(VIA_EVENTBRIDGE)
    assert module.resources["aws_s3_bucket_notification"]["assets"]["eventbridge"] is True
    assert "Object Created" in str(module.resources["aws_cloudwatch_event_rule"]["assets_uploaded"])
    target = module.resources["aws_cloudwatch_event_target"]["assets_uploaded"]
    assert target["arn"] == "${aws_lambda_function.api.arn}"


def test_a_request_not_naming_upload_events_wires_none() -> None:
    module, _ = _design("A serverless API on Lambda storing user uploads in S3")
    assert "aws_s3_bucket_notification" not in module.resources


def test_the_transport_is_read_only_next_to_the_bucket() -> None:
    assert list(_read_via("파일이 S3에 업로드되면 SQS를 거쳐 람다가 처리")) == [
        ("S3에 업로드되면 SQS를 거쳐", "sqs")
    ]
    assert list(_read_via("An API and a queue, with Postgres")) == []


def test_a_bucket_that_notifies_a_queue_is_read_as_via_sqs() -> None:
    text = "Image uploads land in S3, the bucket notifies an SQS queue, and a Lambda processes it."
    assert [v for _, v in _read_via(text)] == ["sqs"]


def test_eventbridge_notifications_for_a_bucket_are_read() -> None:
    assert [v for _, v in _read_via("Turn on EventBridge notifications for our media bucket")] == [
        "eventbridge"
    ]
    assert [
        v for _, v in _read_via("녹취 파일(S3 버킷)이 올라오면 EventBridge로 이벤트 받아서")
    ] == ["eventbridge"]


def test_uploads_sent_to_eventbridge_start_the_workflow() -> None:
    module, _ = _design(
        'Podcast episodes uploaded to the "episodes-raw" bucket emit events to EventBridge, '
        "which starts a Step Functions workflow."
    )
    notification = next(iter(module.resources["aws_s3_bucket_notification"].values()))
    assert notification["eventbridge"] is True
    targets = module.resources["aws_cloudwatch_event_target"]
    assert any("aws_sfn_state_machine" in str(t["arn"]) for t in targets.values())
