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


EN = (
    "Video transcoding: Step Functions runs an ECS Fargate task with our ffmpeg image, then calls "
    "a Lambda that updates the catalog in DynamoDB."
)
KO = "스텝 펑션에서 ECS Fargate 태스크(ffmpeg 트랜스코딩)를 .sync로 돌리고 끝나면 썸네일 람다 호출하는 흐름입니다."


def test_the_workflow_starts_by_running_the_task_and_waiting() -> None:
    module, ledger = _design(EN)
    machine = module.resources["aws_sfn_state_machine"]["workflow"]
    assert "arn:aws:states:::ecs:runTask.sync" in machine["definition"]
    assert "aws_ecs_task_definition.app.arn" in machine["definition"]
    assert ledger["sfn.ecs_task"]["status"] == "honored"


def test_the_workflow_may_pass_only_the_task_roles() -> None:
    module, _ = _design(EN)
    policy = module.resources["aws_iam_role_policy"]["state_machine_ecs"]["policy"]
    assert "iam:PassRole" in policy
    assert "aws_iam_role.task_execution.arn" in policy


def test_a_korean_request_wires_the_task_too() -> None:
    module, _ = _design(KO)
    assert "ecs:runTask.sync" in module.resources["aws_sfn_state_machine"]["workflow"]["definition"]


def test_a_workflow_of_lambdas_only_runs_no_task() -> None:
    module, _ = _design("Step Functions state machine chaining validate, charge and ship lambdas")
    assert "ecs:runTask" not in module.resources["aws_sfn_state_machine"]["workflow"]["definition"]
