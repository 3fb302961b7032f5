import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]], list[str]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger, result.document.get("notes", [])


EN = "A Node API on ECS Fargate behind a load balancer with Postgres. HTTPS obviously."
KO = "ECS Fargate API에 ALB는 퍼블릭, HTTPS로 열어주세요. 서울 리전."
PCI = "Card payments API on ECS Fargate behind an ALB, PCI DSS in scope."
PLAIN = "A Node API on ECS Fargate behind a load balancer with Postgres."


def _listeners(module: TerraformModule) -> dict[str, Any]:
    return module.resources.get("aws_lb_listener", {})


def test_https_asked_without_a_domain_gives_an_https_listener_on_a_supplied_certificate() -> None:
    module, _, _ = _design(EN)
    https = _listeners(module)["https"]
    assert https["protocol"] == "HTTPS" and https["port"] == 443
    assert "var.alb_certificate_arn" in https["certificate_arn"]


def test_a_korean_https_ask_gives_an_https_listener() -> None:
    module, _, _ = _design(KO)
    assert _listeners(module)["https"]["protocol"] == "HTTPS"


def test_pci_scope_gives_an_https_listener_without_a_domain() -> None:
    module, _, _ = _design(PCI)
    assert _listeners(module)["https"]["protocol"] == "HTTPS"


def test_plain_http_stays_only_redirect_when_https_is_asked() -> None:
    module, _, _ = _design(EN)
    redirect = _listeners(module)["http_redirect"]
    assert redirect["default_action"][0]["type"] == "redirect"
    assert "http" not in _listeners(module)


def test_the_https_ask_is_honored_with_the_listener_as_evidence() -> None:
    _, ledger, _ = _design(EN)
    entry = ledger["https.required"]
    assert entry["status"] == "honored"
    assert entry["evidence"][0]["address"] == "aws_lb_listener.https"


def test_a_request_not_asking_https_keeps_the_http_listener() -> None:
    module, _, _ = _design(PLAIN)
    assert "http" in _listeners(module)
    assert "https" not in _listeners(module)


def test_an_https_subscription_is_not_an_https_ask() -> None:
    from autcloud.agent.capabilities.https import read_https

    assert list(read_https("an HTTPS subscription to our PagerDuty endpoint")) == []


def test_a_public_http_only_front_door_is_an_explicit_assumption() -> None:
    result = asyncio.run(
        run_design("A containerised web API with PostgreSQL in Seoul", assume_defaults=True)
    )
    assert any(a.startswith("HTTP only:") for a in result.document["assumptions"])


def test_with_a_domain_or_behind_cloudfront_there_is_no_http_only_assumption() -> None:
    for request in (
        "A containerised web API with PostgreSQL in Seoul, domain api.acme.io",
        "Highly available web service with PostgreSQL and a CDN in Seoul",
    ):
        result = asyncio.run(run_design(request, assume_defaults=True))
        assert not any(a.startswith("HTTP only:") for a in result.document["assumptions"])


def test_korean_personal_data_scope_requires_https_without_a_domain() -> None:
    module, _, _ = _design("개인정보를 다루는 회원 서비스, ECS Fargate와 ALB, 서울 리전")
    assert _listeners(module)["https"]["protocol"] == "HTTPS"
    assert "var.alb_certificate_arn" in _listeners(module)["https"]["certificate_arn"]


def test_isms_p_scope_requires_https_without_a_domain() -> None:
    module, _, _ = _design("ISMS-P 인증 대상 웹 서비스, ECS Fargate와 ALB, 서울 리전")
    assert _listeners(module)["https"]["protocol"] == "HTTPS"
