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


EN = "Web app on ECS with MySQL and a site-to-site VPN to our office at 203.0.113.10, office network 192.168.10.0/24"
KO = "사무실 IP 198.51.100.7 과 사이트 간 VPN 연결, 포스트그레스 쓰는 웹 서비스"


def test_an_english_request_builds_the_tunnel_to_the_stated_office() -> None:
    module, ledger = _design(EN)
    assert module.variables["customer_gateway_ip"]["default"] == "203.0.113.10"
    assert module.variables["office_cidr"]["default"] == "192.168.10.0/24"
    assert module.resources["aws_vpn_connection"]["office"]["static_routes_only"] is True
    assert ledger["vpn.customer_gateway_ip"]["status"] == "honored"
    assert _evidence(ledger["vpn.customer_gateway_ip"]) == ["aws_customer_gateway.office"]


def test_office_routes_propagate_to_the_private_route_tables() -> None:
    module, _ = _design(EN)
    propagation = module.resources["aws_vpn_gateway_route_propagation"]["private"]
    assert "aws_route_table.private" in propagation["route_table_id"]


def test_a_korean_request_uses_the_stated_office_address() -> None:
    module, ledger = _design(KO)
    assert module.variables["customer_gateway_ip"]["default"] == "198.51.100.7"
    assert ledger["service.site_vpn"]["status"] == "honored"


def test_an_office_address_without_a_vpn_is_not_a_vpn() -> None:
    module, _ = _design("A web app on ECS reachable only from our office 203.0.113.10")
    assert "aws_vpn_connection" not in module.resources
