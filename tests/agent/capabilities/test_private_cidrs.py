import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.private_cidrs import _read_allowed
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


EN = "A containerized web app on ECS with domain example.com, reachable only from 203.0.113.0/24 and 198.51.100.7"
KO = "ECS 웹 서비스, 사무실 IP 203.0.113.0/24에서만 접속 가능하게"


def _ingress(module: TerraformModule) -> dict[str, Any]:
    rules: dict[str, Any] = module.resources["aws_vpc_security_group_ingress_rule"]
    return rules


def test_an_english_request_opens_the_load_balancer_to_the_stated_ranges_only() -> None:
    module, ledger = _design(EN)
    rules = _ingress(module)
    assert rules["alb_https"]["cidr_ipv4"] == "203.0.113.0/24"
    assert rules["alb_https_2"]["cidr_ipv4"] == "198.51.100.7/32"
    assert not [r for r in rules.values() if r.get("cidr_ipv4") == "0.0.0.0/0"]
    entry = ledger["exposure.allowed_cidrs"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == [
        "aws_vpc_security_group_ingress_rule.alb_https",
        "aws_vpc_security_group_ingress_rule.alb_https_2",
    ]


def test_a_korean_request_allows_only_the_office_range() -> None:
    module, ledger = _design(KO)
    assert _ingress(module)["alb_http"]["cidr_ipv4"] == "203.0.113.0/24"
    assert ledger["exposure.allowed_cidrs"]["status"] == "honored"


def test_a_single_address_becomes_a_slash_32() -> None:
    assert list(_read_allowed("office IP 203.0.113.10")) == [("203.0.113.10", ["203.0.113.10/32"])]


def test_the_vpc_cidr_is_not_an_allowed_source() -> None:
    assert list(_read_allowed("VPC CIDR 10.20.0.0/16")) == []


def test_a_request_naming_no_source_keeps_the_public_entry() -> None:
    module, _ = _design("A containerized web app on ECS")
    assert _ingress(module)["alb_http"]["cidr_ipv4"] == "0.0.0.0/0"


def test_an_internal_load_balancer_says_a_public_office_range_needs_a_vpn() -> None:
    result = asyncio.run(run_design("내부용 " + KO, assume_defaults=True))
    assert any("VPN" in note for note in result.document["assumptions"])
