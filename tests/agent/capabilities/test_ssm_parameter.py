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


def test_an_english_request_adds_a_kms_securestring_from_a_sensitive_variable() -> None:
    module, ledger = _design("Web app on ECS with postgres; app config in Parameter Store")
    parameter = module.resources["aws_ssm_parameter"]["app_config"]
    assert parameter["type"] == "SecureString"
    assert parameter["key_id"] == "${aws_kms_key.main.arn}"
    assert parameter["value"] == "${var.app_config}"
    assert "task_app_parameters" in module.resources["aws_iam_role_policy"]
    assert _evidence(ledger["service.ssm_parameter"]) == ["aws_ssm_parameter.app_config"]


def test_a_korean_request_adds_the_parameter() -> None:
    module, ledger = _design("람다 API, 설정값은 파라미터 스토어에")
    assert "app_config" in module.resources["aws_ssm_parameter"]
    assert ledger["service.ssm_parameter"]["status"] == "honored"


def test_a_request_not_naming_parameter_store_adds_no_app_parameter() -> None:
    module, _ = _design("Web app on ECS with postgres")
    assert "app_config" not in module.resources.get("aws_ssm_parameter", {})
