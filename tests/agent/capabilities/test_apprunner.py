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


EN = "Deploy my container image public.ecr.aws/myorg/api:1.2 on AWS App Runner, port 3000"
KO = "앱러너로 웹 서비스를 배포해줘"


def test_an_english_request_serves_the_stated_image_and_port() -> None:
    module, ledger = _design(EN)
    service = module.resources["aws_apprunner_service"]["main"]
    repository = service["source_configuration"][0]["image_repository"][0]
    assert module.variables["container_image"]["default"] == "public.ecr.aws/myorg/api:1.2"
    assert repository["image_repository_type"] == "ECR_PUBLIC"
    assert repository["image_configuration"][0]["port"] == "3000"
    assert ledger["container_image"]["status"] == "honored"


def test_the_service_is_encrypted_health_checked_autoscaled_and_traced() -> None:
    module, _ = _design(EN)
    service = module.resources["aws_apprunner_service"]["main"]
    assert "aws_kms_key.main" in str(service["encryption_configuration"])
    assert service["health_check_configuration"][0]["protocol"] == "HTTP"
    assert "aws_apprunner_auto_scaling_configuration_version.main" in str(
        service["auto_scaling_configuration_arn"]
    )
    assert module.variables["apprunner_observability"]["default"] is True


def test_a_korean_request_builds_the_app_runner_service() -> None:
    module, ledger = _design(KO)
    service = module.resources["aws_apprunner_service"]["main"]
    repository = service["source_configuration"][0]["image_repository"][0]
    assert "var.container_image" in str(repository["image_identifier"])
    assert ledger["service.apprunner"]["status"] == "honored"


def test_without_a_stated_image_or_a_container_service_it_serves_the_sample_image_on_8000() -> None:
    module, _ = _design("An App Runner service with PostgreSQL")
    assert module.variables["container_image"]["default"].startswith(
        "public.ecr.aws/aws-containers/"
    )
    service = module.resources["aws_apprunner_service"]["main"]
    repository = service["source_configuration"][0]["image_repository"][0]
    assert repository["image_configuration"][0]["port"] == "8000"


def test_it_reaches_the_database_through_a_vpc_connector() -> None:
    module, _ = _design("An App Runner service with PostgreSQL")
    assert "main" in module.resources["aws_apprunner_vpc_connector"]
    rule = module.resources["aws_vpc_security_group_ingress_rule"]["database_from_apprunner"]
    assert "aws_security_group.apprunner" in str(rule["referenced_security_group_id"])


def test_the_ledger_honors_app_runner_with_the_service_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.apprunner"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == ["aws_apprunner_service.main"]


def test_a_request_not_naming_app_runner_builds_none() -> None:
    module, _ = _design("A containerised web API with PostgreSQL")
    assert "aws_apprunner_service" not in module.resources
