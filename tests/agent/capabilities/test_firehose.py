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


EN = "Deploy a Firehose delivery stream that lands click events in S3 on AWS"
KO = "키네시스 스트림과 파이어호스로 이벤트를 S3에 저장하는 인프라 구성"


def test_direct_put_delivery_is_encrypted_with_the_project_key() -> None:
    module, ledger = _design(EN)
    stream = module.resources["aws_kinesis_firehose_delivery_stream"]["delivery"]
    assert stream["destination"] == "extended_s3"
    assert "kinesis_source_configuration" not in stream
    sse = stream["server_side_encryption"][0]
    assert sse["key_type"] == "CUSTOMER_MANAGED_CMK"
    s3 = stream["extended_s3_configuration"][0]
    assert "aws_kms_key.main" in s3["kms_key_arn"]
    assert s3["error_output_prefix"].startswith("delivery-errors/")
    assert s3["buffering_interval"] == 300
    assert ledger["service.firehose"]["status"] == "honored"
    assert _evidence(ledger["service.firehose"]) == [
        "aws_kinesis_firehose_delivery_stream.delivery"
    ]


def test_a_korean_request_with_a_kinesis_stream_reads_from_it() -> None:
    module, ledger = _design(KO)
    stream = module.resources["aws_kinesis_firehose_delivery_stream"]["delivery"]
    source = stream["kinesis_source_configuration"][0]
    assert "aws_kinesis_stream.events.arn" in source["kinesis_stream_arn"]
    assert ledger["service.firehose"]["status"] == "honored"


def test_a_request_not_naming_firehose_builds_no_delivery_stream() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_kinesis_firehose_delivery_stream" not in module.resources


SEARCH = (
    "Centralized logging: apps write to a Firehose delivery stream that loads into an OpenSearch "
    "domain; failed documents are backed up to S3."
)


def test_delivery_loads_into_the_opensearch_domain() -> None:
    module, _ = _design(SEARCH)
    stream = module.resources["aws_kinesis_firehose_delivery_stream"]["delivery"]
    assert stream["destination"] == "opensearch"
    config = stream["opensearch_configuration"][0]
    assert "aws_opensearch_domain.search" in config["domain_arn"]
    assert config["s3_backup_mode"] == "FailedDocumentsOnly"
    assert "aws_s3_bucket" in config["s3_configuration"][0]["bucket_arn"]


def test_stated_delivery_stream_name_is_used() -> None:
    module, ledger = _design(
        "WAF 로그를 Kinesis Firehose로 S3에 모읍니다. Firehose 이름은 aws-waf-logs-prod 로 해주세요."
    )
    stream = module.resources["aws_kinesis_firehose_delivery_stream"]["delivery"]
    assert stream["name"] == "aws-waf-logs-prod"
    assert ledger["firehose.name"]["status"] == "honored"
