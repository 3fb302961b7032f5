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


EN = "Web app on ECS with postgres; store API keys in Secrets Manager"


def test_an_english_request_adds_an_encrypted_app_secret_the_task_may_read() -> None:
    module, ledger = _design(EN)
    secret = module.resources["aws_secretsmanager_secret"]["app"]
    assert secret["kms_key_id"] == "${aws_kms_key.main.arn}"
    assert "aws_secretsmanager_secret.app" in str(
        module.resources["aws_iam_role_policy"]["task_app_secret"]["policy"]
    )
    assert _evidence(ledger["service.secrets_manager"]) == ["aws_secretsmanager_secret.app"]


def test_a_korean_request_adds_the_app_secret_for_the_function() -> None:
    module, ledger = _design("람다 API, 시크릿 매니저 사용")
    assert "app" in module.resources["aws_secretsmanager_secret"]
    assert "api_lambda_app_secret" in module.resources["aws_iam_role_policy"]
    assert ledger["service.secrets_manager"]["status"] == "honored"


def test_a_request_not_naming_secrets_manager_adds_no_app_secret() -> None:
    module, _ = _design("Web app on ECS with postgres")
    assert "app" not in module.resources.get("aws_secretsmanager_secret", {})
