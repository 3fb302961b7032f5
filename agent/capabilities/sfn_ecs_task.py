"""Step Functions running an ECS task: "Step Functions runs a Fargate task", "스텝 펑션에서 ECS
Fargate 태스크를 .sync로". The state machine's first state runs the design's task definition on the
cluster and waits for it to finish (``ecs:runTask.sync``); the steps built before it follow. The
workflow's role may run exactly that task family and pass exactly its two roles.
"""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Call, Expr, jsonencode
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import Requirements

PATTERNS = patterns("sfn_ecs_task")

KEY = "sfn.ecs_task"
BLOCK = "sfn_ecs_task"
STATE = "RunTask"
TASK = "aws_ecs_task_definition.app"


# A task run by a workflow: a task the message names with containers, in a message about a workflow.
_read = only_about(
    PATTERNS["workflow"],
    reader(
        PATTERNS["task"],
        lambda m: "ecs:runTask.sync" if PATTERNS["containers"].search(m.group(0)) else None,
    ),
)


def _strategy(bp: Blueprint) -> dict[str, Any]:
    """Where the task runs: the cluster's capacity providers when it has them, else Fargate."""
    providers = bp.find("aws_ecs_cluster_capacity_providers.main")
    if providers is None:
        return {"LaunchType": "FARGATE"}
    strategy = []
    for block in providers.body.get("default_capacity_provider_strategy") or []:
        item = {
            "CapacityProvider": block.body["capacity_provider"],
            "Weight": block.body.get("weight", 1),
        }
        if block.body.get("base"):
            item["Base"] = block.body["base"]
        strategy.append(item)
    return {"CapacityProviderStrategy": strategy}


def build(bp: Blueprint, ctx: Context) -> None:
    machine = next((r for r in bp.resources if r.type == "aws_sfn_state_machine"), None)
    task = bp.find(TASK)
    if machine is None or task is None or not bp.has("aws_ecs_cluster.main"):
        bp.notes.append(
            "Step Functions → ECS task: the design lacks the state machine or the task."
        )
        return
    definition = machine.body.get("definition")
    if not (isinstance(definition, Call) and isinstance(definition.argument, dict)):
        return
    states = definition.argument.get("States")
    if not isinstance(states, dict) or STATE in states:
        return
    bp.blocks.append(BLOCK)
    network = {
        "AwsvpcConfiguration": {
            "Subnets": Expr("aws_subnet.private[*].id"),
            "SecurityGroups": [Expr("aws_security_group.app.id")],
            "AssignPublicIp": "DISABLED",
        }
    }
    run: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::ecs:runTask.sync",
        "Parameters": {
            "Cluster": Expr("aws_ecs_cluster.main.arn"),
            "TaskDefinition": Expr(f"{TASK}.arn"),
            **_strategy(bp),
            "NetworkConfiguration": network,
            "PropagateTags": "TASK_DEFINITION",
        },
        "ResultPath": "$.task",
        "TimeoutSeconds": 14400,
        "Retry": [
            {
                "ErrorEquals": ["ECS.AmazonECSException", "States.TaskFailed"],
                "IntervalSeconds": 30,
                "MaxAttempts": 2,
                "BackoffRate": 2,
            }
        ],
    }
    first = definition.argument.get("StartAt")
    if first:
        run["Next"] = first
    else:
        run["End"] = True
    definition.argument["States"] = {STATE: run, **states}
    definition.argument["StartAt"] = STATE
    if isinstance(definition.argument.get("Comment"), str):
        definition.argument["Comment"] = "ECS task, then " + definition.argument["Comment"]
    roles = [Expr("aws_iam_role.task_execution.arn"), Expr("aws_iam_role.task.arn")]
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            "state_machine_ecs",
            "compute",
            "The workflow may run and stop its one task family, pass its two roles, and watch the task.",
            {
                "name": "run-ecs-task",
                "role": Expr(machine.body["role_arn"].text.replace(".arn", ".id"))
                if isinstance(machine.body.get("role_arn"), Expr)
                else Expr("aws_iam_role.state_machine.id"),
                "policy": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["ecs:RunTask"],
                                "Resource": _family_revisions(),
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["ecs:StopTask", "ecs:DescribeTasks"],
                                "Resource": "*",
                                "Condition": {
                                    "ArnEquals": {"ecs:cluster": Expr("aws_ecs_cluster.main.arn")}
                                },
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["iam:PassRole"],
                                "Resource": roles,
                            },
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "events:PutTargets",
                                    "events:PutRule",
                                    "events:DescribeRule",
                                ],
                                "Resource": _managed_rule(),
                            },
                        ],
                    }
                ),
            },
            block=BLOCK,
        )
    )
    if isinstance(machine.body.get("tags"), dict):  # says what the workflow runs (and proves it)
        machine.body["tags"]["EcsTask"] = "ecs:runTask.sync"
    else:
        machine.body["tags"] = {"EcsTask": "ecs:runTask.sync"}
    depends = list(machine.body.get("depends_on") or [])
    depends.append(Expr("aws_iam_role_policy.state_machine_ecs"))
    machine.body["depends_on"] = depends
    machine.reason = "Runs the ECS task and waits for it (.sync); then: " + machine.reason


def _family_revisions() -> Expr:
    return Expr('"${aws_ecs_task_definition.app.arn_without_revision}:*"')


def _managed_rule() -> Expr:
    return Expr(
        '"arn:aws:events:${var.region}:'
        '${data.aws_caller_identity.current.account_id}:rule/StepFunctionsGetEventsForECSTaskRule"'
    )


def _applies(req: Requirements) -> bool:
    return KEY in req.params


CAPABILITY = declare("sfn_ecs_task", build=build, applies=_applies, readers={KEY: _read})
