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


EN = "Expose our ECS services through an API Gateway HTTP API; connect it to the ALB with a VPC link."
KO = "ECS 서비스들을 API Gateway HTTP API로 노출하고 ALB는 VPC 링크로 연결해주세요."


def test_an_english_request_builds_a_vpc_link_integration_on_the_listener() -> None:
    module, _ = _design(EN)
    integration = module.resources["aws_apigatewayv2_integration"]["alb"]
    assert integration["connection_type"] == "VPC_LINK"
    assert "aws_lb_listener." in integration["integration_uri"]
    assert "main" in module.resources["aws_apigatewayv2_vpc_link"]


def test_the_load_balancer_becomes_internal() -> None:
    module, _ = _design(EN)
    assert module.resources["aws_lb"]["app"]["internal"] is True


def test_only_the_vpc_link_reaches_the_load_balancer() -> None:
    module, _ = _design(EN)
    rules = module.resources["aws_vpc_security_group_ingress_rule"]
    alb_rules = [r for n, r in rules.items() if n.startswith("alb_")]
    assert alb_rules and all("cidr_ipv4" not in r for r in alb_rules)


def test_a_korean_request_builds_the_vpc_link_and_the_ledger_honors_it() -> None:
    module, ledger = _design(KO)
    assert module.resources["aws_apigatewayv2_api"]["main"]["protocol_type"] == "HTTP"
    entry = ledger["service.vpc_link"]
    assert entry["status"] == "honored"
    assert entry["evidence"][0]["address"] == "aws_apigatewayv2_vpc_link.main"


def test_a_request_without_a_vpc_link_keeps_the_public_load_balancer() -> None:
    module, _ = _design("A Node API on ECS Fargate behind a load balancer.")
    assert "aws_apigatewayv2_vpc_link" not in module.resources
    assert module.resources["aws_lb"]["app"]["internal"] is False
