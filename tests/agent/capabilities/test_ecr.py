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


def test_an_english_request_builds_an_immutable_scanned_encrypted_repository() -> None:
    module, ledger = _design("Containerized API on ECS Fargate with an ECR container registry")
    repo = module.resources["aws_ecr_repository"]["app"]
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"][0]["scan_on_push"] is True
    assert repo["encryption_configuration"][0]["encryption_type"] == "KMS"
    assert "countNumber = 30" in module.resources["aws_ecr_lifecycle_policy"]["app"]["policy"]
    assert _evidence(ledger["service.ecr"]) == ["aws_ecr_repository.app"]


def test_a_korean_request_builds_the_repository() -> None:
    module, ledger = _design("컨테이너 레지스트리 필요, 도커 이미지로 웹 서비스")
    assert "app" in module.resources["aws_ecr_repository"]
    assert ledger["service.ecr"]["status"] == "honored"


def test_a_request_not_naming_a_registry_builds_none() -> None:
    module, _ = _design("Containerized API on ECS Fargate")
    assert "aws_ecr_repository" not in module.resources


def test_repositories_named_in_a_list_are_each_built_with_that_name() -> None:
    module, ledger = _design("Three ECR repos — api, worker, web — with immutable tags")
    names = {body["name"] for body in module.resources["aws_ecr_repository"].values()}
    assert names == {"api", "worker", "web"}
    assert ledger["ecr.names"]["status"] == "honored"


def test_a_korean_repository_name_before_the_noun_is_used() -> None:
    module, _ = _design("이미지는 ECR settlement-batch 리포지토리에 두고 ECS Fargate로 돌려주세요.")
    assert module.resources["aws_ecr_repository"]["app"]["name"] == "settlement-batch"
