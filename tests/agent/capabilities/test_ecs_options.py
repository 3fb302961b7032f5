"""ECS task options: the stated task size and task count bounds land in the design."""

from __future__ import annotations

import asyncio

from autcloud.agent.capabilities.ecs_options import fargate_size
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import load_texts


def _module(request: str):  # type: ignore[no-untyped-def]
    result = asyncio.run(run_design(request, assume_defaults=True))
    return load_texts(result.files)


def test_a_stated_task_size_sets_the_fargate_task_cpu_and_memory() -> None:
    module = _module("An API on ECS Fargate in Oregon, tasks of 2 vCPU / 4GB.")
    task = module.resources["aws_ecs_task_definition"]["app"]
    assert (str(task["cpu"]), str(task["memory"])) == ("2048", "4096")


def test_a_korean_task_size_sets_the_task_definition() -> None:
    module = _module("서울 리전 ECS Fargate API, 태스크는 4 vCPU / 8GB.")
    task = module.resources["aws_ecs_task_definition"]["app"]
    assert (str(task["cpu"]), str(task["memory"])) == ("4096", "8192")


def test_a_size_fargate_lacks_rounds_up_to_the_nearest_offered() -> None:
    assert fargate_size(1024, 1000) == (1024, 2048)


def test_stated_task_bounds_set_the_autoscaling_target() -> None:
    module = _module("An API on ECS Fargate in Tokyo: at least 2 tasks, autoscaling up to 10.")
    variables = module.variables
    assert (variables["min_capacity"]["default"], variables["max_capacity"]["default"]) == (2, 10)


def test_a_scheduled_only_task_runs_no_service_and_no_load_balancer() -> None:
    module = _module("Run our sync container on Fargate as a scheduled task every 15 minutes.")
    assert "aws_ecs_service" not in module.resources
    assert "aws_lb" not in module.resources
    assert "aws_scheduler_schedule" in module.resources
