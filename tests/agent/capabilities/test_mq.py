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


EN = "A containerised web API on ECS with a RabbitMQ broker on Amazon MQ"
KO = "컨테이너 웹 서비스와 액티브MQ 메시지 브로커 인프라 구성, 고가용성"


def test_rabbitmq_is_private_logged_and_takes_its_password_from_a_sensitive_variable() -> None:
    module, ledger = _design(EN)
    broker = module.resources["aws_mq_broker"]["main"]
    assert broker["engine_type"] == "RabbitMQ"
    assert broker["publicly_accessible"] is False
    assert broker["encryption_options"][0]["use_aws_owned_key"] is True
    assert broker["logs"][0]["general"] is True
    assert "var.mq_admin_password" in broker["user"][0]["password"]
    variable = module.variables["mq_admin_password"]
    assert variable["sensitive"] is True
    assert "default" not in variable
    assert ledger["mq.engine_type"]["status"] == "honored"
    assert _evidence(ledger["service.mq"]) == ["aws_mq_broker.main"]


def test_a_korean_activemq_request_uses_the_project_key_across_two_zones() -> None:
    module, ledger = _design(KO)
    broker = module.resources["aws_mq_broker"]["main"]
    assert broker["engine_type"] == "ActiveMQ"
    assert broker["deployment_mode"] == "ACTIVE_STANDBY_MULTI_AZ"
    assert "aws_kms_key.main" in broker["encryption_options"][0]["kms_key_id"]
    assert broker["logs"][0]["audit"] is True
    assert ledger["mq.engine_type"]["value"] == "ActiveMQ"
    assert ledger["service.mq"]["status"] == "honored"


def test_a_request_not_naming_a_broker_builds_none() -> None:
    module, _ = _design("A containerised web API on ECS with PostgreSQL")
    assert "aws_mq_broker" not in module.resources
