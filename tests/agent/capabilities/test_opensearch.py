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


def test_a_korean_count_of_three_nodes_spreads_one_per_zone_over_three_zones() -> None:
    module, ledger = _design(KO)
    assert module.variables["opensearch_instance_count"]["default"] == 3
    assert module.variables["az_count"]["default"] == 3
    assert ledger["opensearch.instance_count"]["status"] == "honored"
    assert ledger["service.opensearch"]["status"] == "honored"


def test_an_odd_count_not_divisible_by_three_rounds_up_to_the_zones() -> None:
    module, _ = _design("An OpenSearch domain with 5 data nodes for search")
    assert module.variables["opensearch_instance_count"]["default"] == 6


def test_a_stated_instance_type_sizes_the_data_nodes() -> None:
    module, ledger = _design("OpenSearch는 2노드 t3.medium.search로 작게 시작해요. 서울 리전")
    cluster = module.resources["aws_opensearch_domain"]["search"]["cluster_config"][0]
    assert cluster["instance_type"] == "t3.medium.search"
    assert ledger["opensearch.instance_type"]["status"] == "honored"


def test_logs_have_a_resource_policy_for_opensearch() -> None:
    module, _ = _design(EN)
    policy = module.resources["aws_cloudwatch_log_resource_policy"]["opensearch"]
    assert "es.amazonaws.com" in policy["policy_document"]


def test_a_request_not_naming_search_builds_no_domain() -> None:
    module, _ = _design("A web API on ECS with PostgreSQL")
    assert "aws_opensearch_domain" not in module.resources
