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


EN = "A web API on ECS with PostgreSQL and OpenSearch full-text search with 4 data nodes"
KO = "오픈서치 검색 엔진을 포함한 웹 서비스 인프라 구성, 노드 3개"


def test_the_domain_is_private_encrypted_and_https_only() -> None:
    module, _ = _design(EN)
    domain = module.resources["aws_opensearch_domain"]["search"]
    assert "aws_subnet.private" in domain["vpc_options"][0]["subnet_ids"]
    assert domain["encrypt_at_rest"][0]["enabled"] is True
    assert "aws_kms_key.main" in domain["encrypt_at_rest"][0]["kms_key_id"]
    assert domain["node_to_node_encryption"][0]["enabled"] is True
    endpoint = domain["domain_endpoint_options"][0]
    assert endpoint["enforce_https"] is True
    assert endpoint["tls_security_policy"] == "Policy-Min-TLS-1-2-2019-07"
    assert domain["ebs_options"][0]["volume_type"] == "gp3"
    assert len(domain["log_publishing_options"]) == 3


def test_the_stated_data_nodes_spread_over_zones() -> None:
    module, ledger = _design(EN)
    cluster = module.resources["aws_opensearch_domain"]["search"]["cluster_config"][0]
    assert module.variables["opensearch_instance_count"]["default"] == 4
    assert cluster["zone_awareness_enabled"] is True
    assert ledger["opensearch.instance_count"]["status"] == "honored"
    assert _evidence(ledger["service.opensearch"]) == ["aws_opensearch_domain.search"]


def test_a_korean_node_count_rounds_up_to_a_multiple_of_the_zones() -> None:
    module, ledger = _design(KO)
    assert module.variables["opensearch_instance_count"]["default"] == 4
    assert ledger["opensearch.instance_count"]["status"] == "honored"
    assert ledger["service.opensearch"]["status"] == "honored"


def test_logs_have_a_resource_policy_for_opensearch() -> None:
    module, _ = _design(EN)
    policy = module.resources["aws_cloudwatch_log_resource_policy"]["opensearch"]
    assert "es.amazonaws.com" in policy["policy_document"]


def test_a_request_not_naming_search_builds_no_domain() -> None:
    module, _ = _design("A web API on ECS with PostgreSQL")
    assert "aws_opensearch_domain" not in module.resources
