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


EN = "A containerised web API with PostgreSQL on Fargate Spot to save cost"
KO = "PostgreSQL을 쓰는 컨테이너 웹 API, 파게이트 스팟으로 비용 절감"


def test_an_english_request_runs_the_service_on_fargate_spot_instead_of_a_launch_type() -> None:
    module, _ = _design(EN)
    service = module.resources["aws_ecs_service"]["app"]
    assert "launch_type" not in service
    providers = [s["capacity_provider"] for s in service["capacity_provider_strategy"]]
    assert providers == ["FARGATE", "FARGATE_SPOT"]


def test_the_cluster_offers_fargate_and_fargate_spot_with_one_on_demand_task() -> None:
    module, _ = _design(EN)
    cluster = module.resources["aws_ecs_cluster_capacity_providers"]["main"]
    assert cluster["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    base = [s for s in cluster["default_capacity_provider_strategy"] if s.get("base")]
    assert base[0]["capacity_provider"] == "FARGATE"


def test_a_korean_request_builds_fargate_spot() -> None:
    module, _ = _design(KO)
    assert "main" in module.resources["aws_ecs_cluster_capacity_providers"]


def test_the_ledger_honors_fargate_spot_with_the_service_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.fargate_spot"]
    assert entry["status"] == "honored"
    assert "aws_ecs_service.app" in _evidence(entry)


def test_a_request_not_naming_spot_keeps_the_fargate_launch_type() -> None:
    module, _ = _design("A containerised web API with PostgreSQL")
    assert module.resources["aws_ecs_service"]["app"]["launch_type"] == "FARGATE"
    assert "aws_ecs_cluster_capacity_providers" not in module.resources
