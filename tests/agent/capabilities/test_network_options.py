import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.network_options import _read_vpc_cidr
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


EN = "A containerized web app on ECS with Postgres, across 3 AZs with a NAT gateway per AZ, VPC CIDR 10.20.0.0/16"
KO = "ECS 컨테이너 웹 서비스와 PostgreSQL, 가용 영역 3개, NAT 하나, VPC 대역 10.20.0.0/16"


def test_an_english_request_spans_the_stated_zones_with_a_nat_gateway_in_each() -> None:
    module, ledger = _design(EN)
    assert module.variables["az_count"]["default"] == 3
    assert module.resources["aws_subnet"]["private"]["count"] == "${var.az_count}"
    assert module.resources["aws_nat_gateway"]["main"]["count"] == "${var.az_count}"
    route = module.resources["aws_route_table"]["private"]["route"][0]
    assert route["nat_gateway_id"] == "${aws_nat_gateway.main[count.index].id}"
    assert ledger["network.az_count"]["status"] == "honored"
    assert ledger["network.nat"]["status"] == "honored"
    assert _evidence(ledger["network.nat"]) == ["aws_nat_gateway.main"]


def test_the_stated_vpc_cidr_is_the_variable_default_proven_on_the_vpc() -> None:
    module, ledger = _design(EN)
    assert module.variables["vpc_cidr"]["default"] == "10.20.0.0/16"
    entry = ledger["network.vpc_cidr"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == ["aws_vpc.main"]


def test_a_korean_request_gets_its_zones_one_shared_nat_and_its_cidr() -> None:
    module, ledger = _design(KO)
    assert module.variables["az_count"]["default"] == 3
    assert module.resources["aws_nat_gateway"]["main"]["count"] == 1
    assert module.variables["vpc_cidr"]["default"] == "10.20.0.0/16"
    assert {
        ledger[k]["status"] for k in ("network.az_count", "network.nat", "network.vpc_cidr")
    } == {"honored"}


def test_a_zone_count_the_region_cannot_give_is_kept_and_reported() -> None:
    module, ledger = _design("An ECS web app with Postgres across 9 availability zones")
    assert module.variables["az_count"]["default"] == 2
    assert ledger["network.az_count"]["status"] == "unsupported"


def test_a_design_without_a_vpc_keeps_no_network_option_and_says_so() -> None:
    module, ledger = _design("A serverless API on Lambda with DynamoDB across 3 AZs")
    assert "aws_vpc" not in module.resources
    assert ledger["network.az_count"]["status"] == "unsupported"


def test_an_allowed_source_range_is_not_read_as_the_vpc_cidr() -> None:
    assert list(_read_vpc_cidr("only from 10.8.0.0/16")) == []
    assert list(_read_vpc_cidr("사무실 IP 203.0.113.0/24에서만")) == []
    assert list(_read_vpc_cidr("VPC CIDR 10.20.0.0/16, allow only from 203.0.113.0/24")) == [
        ("10.20.0.0/16", "10.20.0.0/16")
    ]


def test_a_client_cidr_named_before_the_vpc_is_not_read_as_the_vpc_range() -> None:
    text = "Client VPN (클라이언트 CIDR 172.16.0.0/22), VPC CIDR은 10.20.0.0/16"
    assert next(iter(_read_vpc_cidr(text)))[1] == "10.20.0.0/16"


def test_a_korean_nat_per_zone_with_a_topic_particle_is_read() -> None:
    from autcloud.agent.capabilities.network_options import _read_nat

    assert next(iter(_read_nat("NAT 게이트웨이는 AZ마다 하나씩")))[1] == "per_az"


def test_a_network_only_request_builds_the_vpc_with_isolated_subnets() -> None:
    module, ledger = _design(
        "Just the network for now. VPC 10.40.0.0/16 in Mumbai across 3 AZs with public, private "
        "and isolated database subnets in each AZ and a NAT gateway per AZ."
    )
    assert module.resources["aws_vpc"]["main"]
    assert "data" in module.resources["aws_subnet"]
    assert ledger["network.vpc_cidr"]["status"] == "honored"


def test_no_nat_removes_the_nat_gateways() -> None:
    module, ledger = _design("A containerized web app on ECS with Postgres, no NAT")
    assert "aws_nat_gateway" not in module.resources
    assert ledger["network.nat"]["status"] == "honored"


def test_private_subnets_only_removes_the_internet_gateway() -> None:
    module, ledger = _design(
        "Site-to-Site VPN to our data centre, customer gateway IP 203.0.113.10, VPC 10.10.0.0/16, "
        "private subnets only, with RDS MySQL, no internet gateway"
    )
    assert "aws_internet_gateway" not in module.resources
    assert "public" not in module.resources["aws_subnet"]
    assert ledger["network.internet"]["status"] == "honored"
