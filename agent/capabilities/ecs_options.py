"""ECS task options as stated: the task size ("0.5 vCPU and 1GB", "4 vCPU / 8GB") and the task
count bounds ("at least 2 tasks, autoscaling up to 10", "태스크 0개에서 최대 30개까지",
"최대는 20개").

The core pass sizes the task from the daily users and the counts from the core reader; this sets
them to what the person said, rounded to a size Fargate offers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.patterns import patterns

PATTERNS = patterns("ecs_options")

TASK = "aws_ecs_task_definition.app"

# Fargate's CPU units and the memory (MiB) each allows: (lowest, highest, step).
FARGATE_MEMORY = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


# A task size is an ECS setting only in a message about containers on ECS/Fargate (App Runner
# and AWS Batch read their own sizes).
def _about_ecs(
    read: Callable[[str], Iterator[tuple[str, Any]]],
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    def guarded(text: str) -> Iterator[tuple[str, Any]]:
        if PATTERNS["about_ecs"].search(text) and not PATTERNS["other"].search(text):
            yield from read(text)

    return guarded


def _task_size(match: re.Match[str]) -> tuple[int, int] | None:
    cpu = round(float(match.group("cpu")) * 1024)
    memory = float(match.group("mem")) * (
        1 if match.group("unit").lower().startswith("m") else 1024
    )
    if cpu <= 0 or memory <= 0:
        return None
    return cpu, round(memory)


_read_size = reader(PATTERNS["size"], _task_size)


def _read_cpu(text: str) -> Iterator[tuple[str, Any]]:
    for quote, (cpu, _) in _read_size(text):
        yield quote, cpu


def _read_memory(text: str) -> Iterator[tuple[str, Any]]:
    for quote, (_, memory) in _read_size(text):
        yield quote, memory


def fargate_size(cpu: int, memory: int) -> tuple[int, int]:
    """The smallest Fargate size with at least this CPU and memory."""
    for units, (low, high, step) in FARGATE_MEMORY.items():
        if units < cpu or memory > high:
            continue
        size = max(low, memory)
        size = low + -(-(size - low) // step) * step
        return units, min(size, high)
    return 16384, 122880


# "at least 2 tasks", "min 2 tasks", "태스크 0개에서", "최소 2개"
_MIN = reader(PATTERNS["min"], lambda m: int(next(g for g in m.groups() if g is not None)))
# "autoscaling up to 10", "up to 10 tasks", "최대 30개까지", "최대는 20개"
_MAX = reader(PATTERNS["max"], lambda m: int(next(g for g in m.groups() if g is not None)))

read_task_cpu = _about_ecs(_read_cpu)
read_task_memory = _about_ecs(_read_memory)


def _set_default(bp: Blueprint, name: str, value: int) -> None:
    variable = bp.variables.get(name)
    if variable is not None:
        bp.variables[name] = dataclasses.replace(variable, default=value)


def _size(bp: Blueprint, ctx: Context) -> None:
    task = bp.find(TASK)
    params = ctx.req.params
    if task is None or not ("ecs.task_cpu" in params or "ecs.task_memory_mb" in params):
        return
    cpu = int(params.get("ecs.task_cpu") or int(task.body["cpu"]))
    memory = int(params.get("ecs.task_memory_mb") or int(task.body["memory"]))
    units, mib = fargate_size(cpu, memory)
    if (units, mib) != (cpu, memory):
        bp.notes.append(
            f"ECS task size: Fargate has no {cpu} CPU units with {memory} MiB; "
            f"the task gets {units} CPU units and {mib} MiB, the nearest size above."
        )
    task.body["cpu"], task.body["memory"] = str(units), str(mib)
    task.reason = (
        f"The application container on Fargate: {units} CPU units ({units / 1024:g} vCPU), "
        f"{mib} MiB, as asked; read-only root filesystem."
    )


def _bounds(bp: Blueprint, ctx: Context) -> None:
    target = bp.find("aws_appautoscaling_target.app")
    params = ctx.req.params
    if target is None or not ("ecs.min_tasks" in params or "ecs.max_tasks" in params):
        return
    current = {
        name: int(bp.variables[name].default)
        for name in ("min_capacity", "max_capacity", "desired_count")
        if name in bp.variables and isinstance(bp.variables[name].default, int)
    }
    minimum = int(params.get("ecs.min_tasks", current.get("min_capacity", 1)))
    maximum = int(params.get("ecs.max_tasks", current.get("max_capacity", max(minimum, 1))))
    if maximum < minimum:
        bp.notes.append(
            f"ECS tasks: a maximum of {maximum} is below the minimum of {minimum}; raised to {minimum}."
        )
        maximum = minimum
    maximum = max(maximum, 1)
    desired = min(max(current.get("desired_count", minimum), minimum), maximum)
    _set_default(bp, "min_capacity", minimum)
    _set_default(bp, "max_capacity", maximum)
    _set_default(bp, "desired_count", desired)
    target.reason = f"Lets the service scale between {minimum} and {maximum} tasks, as asked."


def build(bp: Blueprint, ctx: Context) -> None:
    _size(bp, ctx)
    _bounds(bp, ctx)


CAPABILITY = declare(
    "ecs_options",
    build=build,
    readers={
        "ecs.task_cpu": read_task_cpu,
        "ecs.task_memory_mb": read_task_memory,
        "ecs.min_tasks": _MIN,
        "ecs.max_tasks": _MAX,
    },
)
