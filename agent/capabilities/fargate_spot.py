"""Fargate Spot: the ECS cluster offers FARGATE and FARGATE_SPOT; the service keeps one task on
on-demand Fargate and runs the rest on Spot (up to 70% cheaper, may be interrupted).

On an EKS design the managed node group runs on Spot instead.
"""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Block, Expr

SPOT_WEIGHT = 3  # three tasks on Spot for every one on on-demand Fargate, above the base


def _strategy(block: str = "capacity_provider_strategy") -> list[Block]:
    """One task on on-demand Fargate, the rest mostly on Spot, as ``block`` blocks."""
    return [
        Block(block, body={"capacity_provider": "FARGATE", "base": 1, "weight": 1}),
        Block(block, body={"capacity_provider": "FARGATE_SPOT", "weight": SPOT_WEIGHT}),
    ]


def _batch_on_spot(bp: Blueprint) -> bool:
    """The Batch environment's Fargate capacity becomes Fargate Spot; False when there is none."""
    environment = bp.find("aws_batch_compute_environment.fargate")
    resources = environment.body.get("compute_resources") if environment else None
    if not isinstance(resources, Block):
        return False
    resources.body["type"] = "FARGATE_SPOT"
    return True


def build(bp: Blueprint, ctx: Context) -> None:
    cluster = bp.find("aws_ecs_cluster.main")
    service = bp.find("aws_ecs_service.app")
    node_group = bp.find("aws_eks_node_group.default")
    if cluster is None or service is None:
        if node_group is not None:
            node_group.body["capacity_type"] = "SPOT"
            node_group.reason += " Runs on Spot capacity (cheaper; nodes may be reclaimed)."
            bp.notes.append(
                "Spot: the EKS node group runs on Spot instances; keep workloads tolerant of node loss."
            )
        elif _batch_on_spot(bp):
            bp.notes.append(
                "Spot: the Batch jobs run on Fargate Spot; an interrupted job is retried."
            )
        else:
            bp.notes.append(
                "Fargate Spot was asked for, but the design has no ECS service to run on it."
            )
        return
    bp.blocks.append("fargate_spot")
    bp.add(
        ResourceSpec(
            "aws_ecs_cluster_capacity_providers",
            "main",
            "compute",
            "Offers on-demand Fargate and Fargate Spot; by default one task on-demand, the rest mostly on Spot.",
            {
                "cluster_name": Expr("aws_ecs_cluster.main.name"),
                "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
                "default_capacity_provider_strategy": _strategy(
                    "default_capacity_provider_strategy"
                ),
            },
            block="fargate_spot",
        )
    )
    body = service.body
    body.pop("launch_type", None)
    strategy = _strategy()
    # keep the strategy where launch_type was read: right after desired_count
    rebuilt: dict[str, Any] = {}
    for key, value in body.items():
        rebuilt[key] = value
        if key == "desired_count":
            rebuilt["capacity_provider_strategy"] = strategy
    rebuilt.setdefault("capacity_provider_strategy", strategy)
    depends = list(rebuilt.get("depends_on") or [])
    depends.append(Expr("aws_ecs_cluster_capacity_providers.main"))
    rebuilt["depends_on"] = depends
    body.clear()
    body.update(rebuilt)
    service.reason += (
        f" One task always on on-demand Fargate, the rest {SPOT_WEIGHT}:1 on Fargate Spot."
    )
    bp.notes.append(
        "Fargate Spot: tasks above the first run mostly on Spot (up to 70% cheaper); "
        "Spot tasks get a two-minute warning before they are stopped, so the app must shut down cleanly."
    )


CAPABILITY = declare("fargate_spot", build=build)
