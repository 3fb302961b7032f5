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


EN = "A containerised web API with PostgreSQL; keep AWS traffic private with VPC endpoints"
KO = "PostgreSQL을 쓰는 컨테이너 웹 API, VPC 엔드포인트로 AWS 트래픽을 내부로"


def test_an_english_request_builds_interface_endpoints_in_the_private_subnets() -> None:
    module, _ = _design(EN)
    endpoint = module.resources["aws_vpc_endpoint"]["interface"]
    assert endpoint["vpc_endpoint_type"] == "Interface"
    assert endpoint["private_dns_enabled"] is True
    assert "aws_subnet.private" in str(endpoint["subnet_ids"])
    services = set(module.variables["interface_endpoint_services"]["default"])
    assert {"ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"} <= services


def test_the_gateway_endpoints_for_s3_and_dynamodb_are_kept() -> None:
    module, _ = _design(EN)
    assert {"s3", "dynamodb"} <= set(module.resources["aws_vpc_endpoint"])


def test_the_endpoints_accept_https_from_the_vpc_only() -> None:
    module, _ = _design(EN)
    rule = module.resources["aws_vpc_security_group_ingress_rule"]["vpc_endpoints_https"]
    assert rule["from_port"] == 443
    assert "var.vpc_cidr" in str(rule["cidr_ipv4"])


def test_a_korean_request_builds_interface_endpoints() -> None:
    module, _ = _design(KO)
    assert "interface" in module.resources["aws_vpc_endpoint"]


def test_the_ledger_honors_vpc_endpoints_with_the_interface_endpoint_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.vpc_endpoints"]
    assert entry["status"] == "honored"
    assert "aws_vpc_endpoint.interface" in _evidence(entry)


def test_a_request_not_naming_endpoints_builds_no_interface_endpoints() -> None:
    module, _ = _design("A containerised web API with PostgreSQL")
    assert "interface" not in module.resources["aws_vpc_endpoint"]
