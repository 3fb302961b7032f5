"""ECS scheduled task: EventBridge Scheduler runs the design's ECS task definition on Fargate, in
the private subnets, on a schedule (a cron job that runs as a container)."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
)
from autcloud.agent.catalog.messaging import schedule_expression, scheduler_schedule
from autcloud.agent.hcl import Block, Expr

BLOCK = "ecs_scheduled_task"


def build(bp: Blueprint, ctx: Context) -> None:
    if not (bp.has("aws_ecs_task_definition.app") and bp.has("aws_ecs_cluster.main")):
        bp.notes.append(
            "An ECS scheduled task was asked for, but the design has no ECS task to run; ask for containers."
        )
        return
    bp.blocks.append(BLOCK)
    pass_roles = [
        Expr(f"aws_iam_role.{name}.arn")
        for name in ("task_execution", "task")
        if bp.has(f"aws_iam_role.{name}")
    ]
    statements: list[dict[str, object]] = [
        {
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": Expr('"${aws_ecs_task_definition.app.arn_without_revision}:*"'),
            "Condition": {"ArnEquals": {"ecs:cluster": Expr("aws_ecs_cluster.main.arn")}},
        },
        {
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": "*",
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
    ]
    if pass_roles:
        statements.append(
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": pass_roles,
                "Condition": {"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            }
        )
    network: dict[str, object] = {
        "subnets": Expr("aws_subnet.private[*].id"),
        "assign_public_ip": False,
    }
    if bp.has("aws_security_group.app"):
        network["security_groups"] = [Expr("aws_security_group.app.id")]
    scheduler_schedule(
        bp,
        "ecs_task",
        "Runs the container task on Fargate on schedule, in the private subnets, retrying twice.",
        expression=schedule_expression(bp, ctx),
        timezone="UTC",
        target={
            "arn": Expr("aws_ecs_cluster.main.arn"),
            "ecs_parameters": Block(
                "ecs_parameters",
                body={
                    "task_definition_arn": Expr("aws_ecs_task_definition.app.arn"),
                    "launch_type": "FARGATE",
                    "task_count": 1,
                    "propagate_tags": "TASK_DEFINITION",
                    "network_configuration": Block("network_configuration", body=network),
                },
            ),
        },
        role_name="ecs_scheduler",
        what="start the ECS task",
        policy_name="run-ecs-task",
        statements=statements,
        policy_reason="The scheduler's only permissions: run this task definition in this cluster, hand it its roles.",
        block=BLOCK,
    )
    bp.notes.append(
        "ECS scheduled task: it runs the application's task definition; give the job its own command "
        "with a container override in the schedule's input, or its own task definition."
    )


CAPABILITY = declare(
    "ecs_scheduled_task", build=build, applies=lambda req: "ecs_scheduled_task" in req.services
)
