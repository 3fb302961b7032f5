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


EN = "A serverless API on Lambda consuming events from a managed Kafka cluster with 4 brokers, kafka version 3.7.x"
KO = "람다 서버리스 구성에 카프카 3.6.0 붙여줘, 브로커 3개"


def test_the_cluster_is_private_iam_authenticated_and_encrypted() -> None:
    module, _ = _design(EN)
    cluster = module.resources["aws_msk_cluster"]["main"]
    nodes = cluster["broker_node_group_info"][0]
    assert nodes["instance_type"] == "kafka.m7g.large"
    assert "aws_subnet.private" in nodes["client_subnets"]
    assert nodes["connectivity_info"][0]["public_access"][0]["type"] == "DISABLED"
    assert cluster["client_authentication"][0]["sasl"][0]["iam"] is True
    encryption = cluster["encryption_info"][0]
    assert "aws_kms_key.main" in encryption["encryption_at_rest_kms_key_arn"]
    assert encryption["encryption_in_transit"][0]["client_broker"] == "TLS"
    logs = cluster["logging_info"][0]["broker_logs"][0]["cloudwatch_logs"][0]
    assert logs["enabled"] is True


def test_only_the_vpc_reaches_the_iam_port() -> None:
    module, _ = _design(EN)
    rule = module.resources["aws_vpc_security_group_ingress_rule"]["msk_iam_in"]
    assert rule["from_port"] == 9098
    assert "aws_vpc.main.cidr_block" in rule["cidr_ipv4"]


def test_stated_version_and_brokers_are_honored() -> None:
    module, ledger = _design(EN)
    assert module.variables["kafka_version"]["default"] == "3.7.x"
    assert module.variables["msk_broker_count"]["default"] == 4
    assert ledger["msk.kafka_version"]["status"] == "honored"
    assert ledger["msk.brokers"]["status"] == "honored"
    assert _evidence(ledger["service.msk"]) == ["aws_msk_cluster.main"]


def test_the_lambda_function_consumes_the_events_topic() -> None:
    module, _ = _design(EN)
    mapping = module.resources["aws_lambda_event_source_mapping"]["msk_to_api"]
    assert mapping["topics"] == ["events"]
    assert "aws_msk_cluster.main.arn" in mapping["event_source_arn"]


def test_a_korean_count_of_three_brokers_spreads_the_network_over_three_zones() -> None:
    module, ledger = _design(KO)
    assert module.variables["kafka_version"]["default"] == "3.6.0"
    assert module.variables["msk_broker_count"]["default"] == 3  # 3 asked: 3 zones, not 4 brokers
    assert module.variables["az_count"]["default"] == 3
    assert ledger["msk.brokers"]["status"] == "honored"
    assert ledger["service.msk"]["status"] == "honored"


def test_a_request_not_naming_kafka_builds_no_cluster() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_msk_cluster" not in module.resources
