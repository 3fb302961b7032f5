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


def test_an_english_request_adds_ssm_endpoints_and_logged_sessions() -> None:
    module, ledger = _design(
        "A web app on EC2 instances with postgres; no bastion, use SSM Session Manager"
    )
    assert module.variables["session_manager_endpoint_services"]["default"] == [
        "ssm",
        "ssmmessages",
        "ec2messages",
    ]
    assert module.resources["aws_vpc_endpoint"]["ssm"]["vpc_endpoint_type"] == "Interface"
    assert module.resources["aws_ssm_document"]["session_preferences"]["document_type"] == "Session"
    assert "instance_sessions" in module.resources["aws_iam_role_policy"]
    assert ledger["service.session_manager"]["status"] == "honored"
    assert _evidence(ledger["service.session_manager"]) == ["aws_ssm_document.session_preferences"]


def test_the_endpoints_allow_https_from_the_vpc_only() -> None:
    module, _ = _design(
        "A web app on EC2 instances with postgres; no bastion, use SSM Session Manager"
    )
    rule = module.resources["aws_vpc_security_group_ingress_rule"]["ssm_endpoints_https"]
    assert (rule["from_port"], rule["cidr_ipv4"]) == (443, "${var.vpc_cidr}")


def test_a_korean_request_with_vpc_endpoints_joins_their_interface_set() -> None:
    module, _ = _design(
        "EC2 인스턴스로 웹 서비스, 배스천 없이 세션 매니저로 접속, VPC 엔드포인트도"
    )
    assert {"ssm", "ssmmessages", "ec2messages"} <= set(
        module.variables["interface_endpoint_services"]["default"]
    )
    assert "ssm" not in module.resources["aws_vpc_endpoint"]


def test_a_request_not_naming_session_manager_builds_no_session_document() -> None:
    module, _ = _design("A web app on EC2 instances")
    assert "aws_ssm_document" not in module.resources


def test_a_server_reached_only_through_session_manager_gets_no_public_entry_point() -> None:
    module, _ = _design(
        "보안 점검에서 배스천 SSH 22번 포트 지적받았어요. EC2 접속은 SSM 세션 매니저로만 하려고 합니다. "
        "프라이빗 서브넷에 t3.micro 운영 서버 하나 두고, SSH 포트는 절대 열지 마세요. 리전은 서울."
    )
    assert "aws_lb" not in module.resources
    assert module.variables["instance_type"]["default"] == "t3.micro"
    for rule in module.resources.get("aws_vpc_security_group_ingress_rule", {}).values():
        assert rule.get("cidr_ipv4") != "0.0.0.0/0"


def test_a_web_server_with_session_manager_keeps_its_load_balancer() -> None:
    module, _ = _design("EC2 인스턴스로 웹 서비스, 배스천 없이 세션 매니저로 접속")
    assert "app" in module.resources["aws_lb"]
