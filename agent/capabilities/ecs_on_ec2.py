"""ECS on EC2 capacity: when a container design names EC2 instances (an instance type, an Auto
Scaling group, Graviton), the cluster's tasks run on an Auto Scaling group of ECS-optimised
instances registered as a capacity provider with managed scaling, instead of on Fargate.

Builds the launch template (ECS-optimised Amazon Linux 2023 for the instance's architecture, IMDSv2,
encrypted disk), the Auto Scaling group, the capacity provider and the cluster's capacity providers,
and moves the service and the task definition from Fargate to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import (
    capacity,
    egress,
    hardened_instance,
    instance_profile,
    role,
    rolling_launch,
    security_group,
)
from autcloud.agent.hcl import Block, Call, Expr
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import INSTANCE_TYPE, Requirements

PATTERNS = patterns("ecs_on_ec2")

BLOCK = "ecs_on_ec2"
DEFAULT_INSTANCE_TYPE = "t3.medium"
# Graviton families: a "g" after the generation digit (t4g, c7g, m6gd, c6gn).
_GRAVITON = re.compile(r"^[a-z]+\d+g[a-z]*\.", re.I)


def _read_ec2_capacity(text: str) -> Iterator[tuple[str, Any]]:
    """Containers that run on named EC2 instances: "ECS on EC2", "WordPress on two EC2 instances"."""
    if not PATTERNS["containers"].search(text):
        return
    if PATTERNS["fargate"].search(text) and not PATTERNS["not_fargate"].search(text):
        return
    match = PATTERNS["ec2"].search(text)
    if match:
        yield match.group(0).strip(), "ENABLED"


def _read_copies(text: str) -> Iterator[tuple[str, Any]]:
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "ten": 10}
    for match in PATTERNS["copies"].finditer(text):
        raw = match.group(1).lower()
        yield match.group(0).strip(), int(raw) if raw.isdigit() else words[raw]


def graviton(instance_type: str) -> bool:
    return bool(_GRAVITON.match(instance_type))


def _instance_type(req: Requirements) -> str:
    stated = req.instance_type
    if stated and INSTANCE_TYPE.fullmatch(stated) and not stated.startswith(("db.", "cache.")):
        return stated
    return DEFAULT_INSTANCE_TYPE


def build(bp: Blueprint, ctx: Context) -> None:
    service = bp.find("aws_ecs_service.app")
    task = bp.find("aws_ecs_task_definition.app")
    req = ctx.req
    copies = req.params.get("ecs.desired_count")
    if isinstance(copies, int) and service is not None:
        _set_desired(bp, service, copies)
    if "ecs.ec2_capacity" not in req.params:
        return
    if task is None or not bp.has("aws_ecs_cluster.main"):
        bp.notes.append("ECS on EC2 was asked for, but the design has no ECS cluster to give it.")
        return
    bp.blocks.append(BLOCK)
    instance_type = _instance_type(req)
    arm = graviton(instance_type)
    minimum, _, maximum = capacity(ctx)
    security_group(
        bp,
        "ecs_instances",
        "ECS container instances",
        "The container instances' firewall: nothing gets in (tasks have their own network "
        "interfaces); they call out to ECS, ECR and SSM.",
        BLOCK,
    )
    egress(
        bp,
        "ecs_instances_https_out",
        "ecs_instances",
        443,
        "HTTPS out (ECS agent, image pulls, SSM).",
        cidr="0.0.0.0/0",
        block=BLOCK,
    )
    role(
        bp,
        "ecs_instance",
        "ec2.amazonaws.com",
        "The container instances' identity: the ECS agent and Session Manager, no SSH keys.",
        "compute",
        BLOCK,
        ("service-role/AmazonEC2ContainerServiceforEC2Role", "AmazonSSMManagedInstanceCore"),
    )
    architecture = "arm64" if arm else "x86_64"
    ami_path = (
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
        if arm
        else "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
    )
    user_data = Call(
        "base64encode",
        interp(
            "#!/bin/bash\\necho ECS_CLUSTER=${aws_ecs_cluster.main.name} >> /etc/ecs/ecs.config\\n"
            "echo ECS_ENABLE_CONTAINER_METADATA=true >> /etc/ecs/ecs.config\\n"
        ),
    )
    bp.add(
        instance_profile(
            "ecs_instance", "ecs_instance", "Hands the container-instance role to EC2.", BLOCK
        ),
        ResourceSpec(
            "aws_ssm_parameter",
            "ecs_ami",
            "compute",
            f"The latest ECS-optimised Amazon Linux 2023 AMI ({architecture}), looked up at plan time.",
            {"name": ami_path},
            data_source=True,
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_launch_template",
            "ecs",
            "compute",
            f"Container instances: {instance_type}"
            + (" (Graviton, arm64)" if arm else "")
            + ", IMDSv2 only, encrypted gp3 disk, joined to the cluster at boot.",
            {
                "name_prefix": interp("${local.name}-ecs-"),
                "image_id": Expr("data.aws_ssm_parameter.ecs_ami.value"),
                "instance_type": instance_type,
                "update_default_version": True,
                "user_data": user_data,
                "iam_instance_profile": Block(
                    "iam_instance_profile",
                    body={"arn": Expr("aws_iam_instance_profile.ecs_instance.arn")},
                ),
                "vpc_security_group_ids": [Expr("aws_security_group.ecs_instances.id")],
                **hardened_instance(30),
                "tag_specifications": Block(
                    "tag_specifications",
                    body={"resource_type": "instance", "tags": tags("ecs-instance")},
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_autoscaling_group",
            "ecs",
            "compute",
            f"Keeps {minimum}–{maximum} {instance_type} container instances across the private "
            "subnets; ECS managed scaling sets how many run.",
            {
                "name_prefix": interp("${local.name}-ecs-"),
                "min_size": minimum,
                "max_size": maximum,
                "desired_capacity": minimum,
                "vpc_zone_identifier": Expr("aws_subnet.private[*].id"),
                "health_check_type": "EC2",
                "health_check_grace_period": 120,
                "protect_from_scale_in": False,
                **rolling_launch("ecs"),
                "tag": [
                    Block(
                        "tag",
                        body={
                            "key": "Name",
                            "value": interp("${local.name}-ecs"),
                            "propagate_at_launch": True,
                        },
                    ),
                    Block(
                        "tag",
                        body={
                            "key": "AmazonECSManaged",
                            "value": "true",
                            "propagate_at_launch": True,
                        },
                    ),
                ],
                "lifecycle": Block(
                    "lifecycle", body={"ignore_changes": [Expr("desired_capacity")]}
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_ecs_capacity_provider",
            "ec2",
            "compute",
            "Registers the Auto Scaling group with the cluster; managed scaling adds and removes "
            "instances to fit the tasks, keeping them all in use.",
            {
                "name": interp("${local.name}-ec2"),
                "auto_scaling_group_provider": Block(
                    "auto_scaling_group_provider",
                    body={
                        "auto_scaling_group_arn": Expr("aws_autoscaling_group.ecs.arn"),
                        "managed_termination_protection": "DISABLED",
                        "managed_scaling": Block(
                            "managed_scaling",
                            body={
                                "status": "ENABLED",
                                "target_capacity": 100,
                                "minimum_scaling_step_size": 1,
                                "maximum_scaling_step_size": 2,
                            },
                        ),
                    },
                ),
                "tags": tags("ec2-capacity"),
            },
            block=BLOCK,
        ),
    )
    strategy = Block(
        "capacity_provider_strategy",
        body={
            "capacity_provider": Expr("aws_ecs_capacity_provider.ec2.name"),
            "base": 0,
            "weight": 1,
        },
    )
    existing = bp.find("aws_ecs_cluster_capacity_providers.main")
    if existing is not None:  # Fargate Spot offered too: the EC2 provider replaces it as default
        existing.body["capacity_providers"] = [Expr("aws_ecs_capacity_provider.ec2.name")]
        existing.body["default_capacity_provider_strategy"] = [
            Block("default_capacity_provider_strategy", body=dict(strategy.body))
        ]
    else:
        bp.add(
            ResourceSpec(
                "aws_ecs_cluster_capacity_providers",
                "main",
                "compute",
                "The cluster's tasks run on the EC2 capacity provider.",
                {
                    "cluster_name": Expr("aws_ecs_cluster.main.name"),
                    "capacity_providers": [Expr("aws_ecs_capacity_provider.ec2.name")],
                    "default_capacity_provider_strategy": [
                        Block("default_capacity_provider_strategy", body=dict(strategy.body))
                    ],
                },
                block=BLOCK,
            )
        )
    task.body["requires_compatibilities"] = ["EC2"]
    platform = task.body.get("runtime_platform")
    if isinstance(platform, Block):
        platform.body["cpu_architecture"] = "ARM64" if arm else "X86_64"
    task.reason = task.reason.replace(
        "on Fargate", f"on the EC2 container instances ({instance_type})"
    )
    if service is not None:
        _use_strategy(service, strategy)
        service.reason += f" Runs on the {instance_type} EC2 capacity provider."
    bp.notes.append(
        f"ECS on EC2: tasks run on {instance_type} container instances "
        f"({minimum}–{maximum}, managed scaling) instead of Fargate"
        + (", on Graviton (arm64): the image must be built for arm64." if arm else ".")
    )


def _set_desired(bp: Blueprint, service: ResourceSpec, copies: int) -> None:
    """The stated number of copies runs normally; autoscaling may keep fewer only if asked."""
    for name, value in (("desired_count", copies), ("min_capacity", copies)):
        variable = bp.variables.get(name)
        if variable is not None and (name == "desired_count" or int(variable.default) > copies):
            bp.variables[name] = replace(variable, default=value)
    maximum = bp.variables.get("max_capacity")
    if maximum is not None and int(maximum.default) < copies:
        bp.variables["max_capacity"] = replace(maximum, default=copies)
    if not isinstance(service.body.get("desired_count"), Expr):
        service.body["desired_count"] = copies
    service.reason = re.sub(r"^Runs \d+ task\(s\)", f"Runs {copies} task(s)", service.reason)


def _use_strategy(service: ResourceSpec, strategy: Block) -> None:
    body = service.body
    body.pop("launch_type", None)
    rebuilt: dict[str, Any] = {}
    for key, value in body.items():
        if key == "capacity_provider_strategy":
            continue
        rebuilt[key] = value
        if key == "desired_count":
            rebuilt["capacity_provider_strategy"] = [strategy]
    rebuilt.setdefault("capacity_provider_strategy", [strategy])
    depends = [
        d
        for d in rebuilt.get("depends_on") or []
        if str(d) != "aws_ecs_cluster_capacity_providers.main"
    ]
    depends.append(Expr("aws_ecs_cluster_capacity_providers.main"))
    rebuilt["depends_on"] = depends
    body.clear()
    body.update(rebuilt)


def _applies(req: Requirements) -> bool:
    return req.compute == "ecs" and bool(
        {"ecs.ec2_capacity", "ecs.desired_count"} & set(req.params)
    )


CAPABILITY = declare(
    "ecs_on_ec2",
    build=build,
    applies=_applies,
    readers={"ecs.ec2_capacity": _read_ec2_capacity, "ecs.desired_count": _read_copies},
)
