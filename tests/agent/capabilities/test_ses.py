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


def test_an_english_request_with_a_sender_address_verifies_that_address() -> None:
    module, ledger = _design(
        "A web app on ECS that sends transactional email; send from noreply@acme.io"
    )
    assert module.variables["ses_sender_email"]["default"] == "noreply@acme.io"
    assert "sender" in module.resources["aws_sesv2_email_identity"]
    assert ledger["ses.from_address"]["status"] == "honored"
    assert _evidence(ledger["ses.from_address"]) == ["aws_sesv2_email_identity.sender"]


def test_a_korean_request_with_a_domain_verifies_the_domain_with_dkim_records() -> None:
    module, ledger = _design("도메인 shop.example.kr 로 서버리스 API, 주문 확인 메일 발송 필요")
    identity = module.resources["aws_sesv2_email_identity"]["domain"]
    assert identity["email_identity"] == "${var.domain_name}"
    assert "ses_dkim" in module.resources["aws_route53_record"]
    assert ledger["service.ses"]["status"] == "honored"


def test_every_identity_uses_a_configuration_set_that_requires_tls() -> None:
    module, _ = _design(
        "A web app on ECS that sends transactional email; send from noreply@acme.io"
    )
    config = module.resources["aws_sesv2_configuration_set"]["main"]
    assert config["delivery_options"][0]["tls_policy"] == "REQUIRE"


def test_a_request_not_naming_email_sending_builds_no_identity() -> None:
    module, _ = _design("A web app on ECS; alerts to ops@acme.io")
    assert "aws_sesv2_email_identity" not in module.resources
