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


def test_an_english_request_records_to_an_encrypted_bucket_and_turns_the_recorder_on() -> None:
    module, ledger = _design("Serverless API with AWS Config rules")
    channel = module.resources["aws_config_delivery_channel"]["main"]
    assert channel["s3_kms_key_arn"] == "${aws_kms_key.main.arn}"
    assert (
        module.resources["aws_config_configuration_recorder_status"]["main"]["is_enabled"] is True
    )
    assert "s3_public_read" in module.resources["aws_config_config_rule"]
    assert _evidence(ledger["service.config"]) == ["aws_config_configuration_recorder.main"]


def test_a_korean_request_builds_the_recorder() -> None:
    module, ledger = _design("람다 API, 컨피그 켜줘")
    assert "main" in module.resources["aws_config_configuration_recorder"]
    assert ledger["service.config"]["status"] == "honored"


def test_a_request_not_naming_config_builds_no_recorder() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_config_configuration_recorder" not in module.resources
