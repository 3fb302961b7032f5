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


EN = "A containerised web API plus an ECS scheduled task that runs every night"
KO = "컨테이너 웹 API와 매일 도는 ECS 스케줄 태스크"


def test_an_english_request_schedules_the_ecs_task_on_fargate_in_private_subnets() -> None:
    module, _ = _design(EN)
    target = module.resources["aws_scheduler_schedule"]["ecs_task"]["target"][0]
    assert "aws_ecs_cluster.main.arn" in str(target["arn"])
    parameters = target["ecs_parameters"][0]
    assert parameters["launch_type"] == "FARGATE"
    assert "aws_subnet.private" in str(parameters["network_configuration"])


def test_the_scheduler_may_only_run_the_task_and_pass_its_roles() -> None:
    module, _ = _design(EN)
    policy = str(module.resources["aws_iam_role_policy"]["ecs_scheduler"]["policy"])
    assert "ecs:RunTask" in policy
    assert "iam:PassRole" in policy


def test_a_korean_request_schedules_the_ecs_task() -> None:
    module, _ = _design(KO)
    assert "ecs_task" in module.resources["aws_scheduler_schedule"]


def test_the_ledger_honors_the_scheduled_task_with_the_schedule_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.ecs_scheduled_task"]
    assert entry["status"] == "honored"
    assert "aws_scheduler_schedule.ecs_task" in _evidence(entry)


def test_a_request_not_naming_a_scheduled_task_builds_none() -> None:
    module, _ = _design("A containerised web API with PostgreSQL")
    assert "ecs_task" not in module.resources.get("aws_scheduler_schedule", {})
