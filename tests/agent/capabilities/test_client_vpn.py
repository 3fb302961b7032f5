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


EN = "Internal tool on ECS with postgres, VPN access through AWS Client VPN, client CIDR 172.20.0.0/22"


def test_an_english_request_builds_the_endpoint_with_the_stated_client_cidr() -> None:
    module, ledger = _design(EN)
    endpoint = module.resources["aws_ec2_client_vpn_endpoint"]["main"]
    assert module.variables["client_vpn_cidr"]["default"] == "172.20.0.0/22"
    assert endpoint["split_tunnel"] is True
    assert endpoint["connection_log_options"][0]["enabled"] is True
    assert ledger["vpn.client_cidr"]["status"] == "honored"
    assert _evidence(ledger["vpn.client_cidr"]) == ["aws_ec2_client_vpn_endpoint.main"]


def test_the_server_certificate_is_a_required_variable() -> None:
    module, _ = _design(EN)
    variable = module.variables["client_vpn_server_certificate_arn"]
    assert variable.get("default") is None
    assert "acm import-certificate" in variable["description"]


def test_vpn_users_are_authorized_to_the_vpc_only() -> None:
    module, _ = _design(EN)
    rule = module.resources["aws_ec2_client_vpn_authorization_rule"]["vpc"]
    assert rule["target_network_cidr"] == "${var.vpc_cidr}"
    assert (
        "aws_subnet.private"
        in module.resources["aws_ec2_client_vpn_network_association"]["private"]["subnet_id"]
    )


def test_a_korean_request_builds_a_vpc_and_the_default_client_range() -> None:
    module, ledger = _design("람다 API에 클라이언트 VPN 붙여줘")
    assert "main" in module.resources["aws_vpc"]
    assert module.variables["client_vpn_cidr"]["default"] == "172.16.0.0/22"
    assert ledger["service.client_vpn"]["status"] == "honored"


def test_a_request_not_naming_a_vpn_builds_no_endpoint() -> None:
    module, _ = _design("A web app on ECS with PostgreSQL")
    assert "aws_ec2_client_vpn_endpoint" not in module.resources
