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


EN = "IoT Core telemetry from sensors into Kinesis and DynamoDB with a Lambda processor on AWS"
KO = "아이오티 센서 데이터를 다이나모db에 저장하는 서버리스 인프라 구성"


def test_the_rule_sends_telemetry_to_the_table_stream_and_function() -> None:
    module, ledger = _design(EN)
    rule = module.resources["aws_iot_topic_rule"]["telemetry"]
    assert "devices/+/telemetry" in rule["sql"]
    assert "aws_dynamodb_table.main.name" in rule["dynamodbv2"][0]["put_item"][0]["table_name"]
    assert "aws_kinesis_stream.events.name" in rule["kinesis"][0]["stream_name"]
    assert "aws_lambda_function.api.arn" in rule["lambda"][0]["function_arn"]
    assert "cloudwatch_logs" in rule["error_action"][0]
    permission = module.resources["aws_lambda_permission"]["iot_api"]
    assert permission["principal"] == "iot.amazonaws.com"
    assert _evidence(ledger["service.iot"]) == ["aws_iot_topic_rule.telemetry"]


def test_the_rule_role_may_write_only_to_its_destinations() -> None:
    module, _ = _design(EN)
    policy = module.resources["aws_iam_role_policy"]["iot_rule"]["policy"]
    assert "dynamodb:PutItem" in policy
    assert "kinesis:PutRecord" in policy
    assert "aws_dynamodb_table.main.arn" in policy


def test_a_korean_request_is_honored() -> None:
    module, ledger = _design(KO)
    assert "dynamodbv2" in module.resources["aws_iot_topic_rule"]["telemetry"]
    assert ledger["service.iot"]["status"] == "honored"


def test_a_request_not_naming_iot_builds_no_topic_rule() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_iot_topic_rule" not in module.resources
