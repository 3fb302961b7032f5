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


def test_an_english_request_subscribes_to_foundational_best_practices_with_config() -> None:
    module, ledger = _design("Serverless API with Security Hub")
    subscription = module.resources["aws_securityhub_standards_subscription"]["foundational"]
    assert "aws-foundational-security-best-practices" in subscription["standards_arn"]
    assert "main" in module.resources["aws_config_configuration_recorder"]
    assert _evidence(ledger["service.security_hub"]) == ["aws_securityhub_account.main"]


def test_a_korean_request_enables_security_hub() -> None:
    module, ledger = _design("웹 서비스에 시큐리티 허브 적용")
    assert "main" in module.resources["aws_securityhub_account"]
    assert ledger["service.security_hub"]["status"] == "honored"


def test_a_request_not_naming_security_hub_builds_none() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_securityhub_account" not in module.resources
