"""AWS Batch options as stated: Spot capacity ("Batch on Spot", "스팟 인스턴스로"), the vCPU cap
("capped at 256 vCPUs", "최대 256 vCPU") and the job size ("2 vCPU / 4GB").

Applies to the Batch environment the core pass builds (agent/catalog/messaging.py add_batch):
Fargate capacity, so Spot is Fargate Spot (same Spot pricing, no instances to manage).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, only_about
from autcloud.agent.capabilities.eventbridge import _allow_topic_publish
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, tags
from autcloud.agent.hcl import Block, Call, Expr, jsonencode
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import Requirements

PATTERNS = patterns("batch_options")

ENVIRONMENT = "aws_batch_compute_environment.fargate"
JOB = "aws_batch_job_definition.main"
# Fargate: memory (MiB) each vCPU count allows.
FARGATE_MEMORY = {
    0.25: (512, 2048), 0.5: (1024, 4096), 1: (2048, 8192), 2: (4096, 16384),
    4: (8192, 30720), 8: (16384, 61440), 16: (32768, 122880),
}  # fmt: skip


def _about_batch(
    read: Callable[[str], Iterator[tuple[str, Any]]],
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    return only_about(PATTERNS["batch"], read)


def _read_spot(text: str) -> Iterator[tuple[str, Any]]:
    match = PATTERNS["spot"].search(text)
    if match:
        yield match.group(0).strip(), "SPOT"


def _read_max_vcpus(text: str) -> Iterator[tuple[str, Any]]:
    pattern = (
        r"(?:capped\s+at|cap\s+of|max(?:imum)?(?:\s+of)?|up\s+to|at\s+most|limit(?:ed)?\s+(?:to|at)|최대)"
        r"\s*(\d{1,5})\s*vcpus?"
    )
    for match in re.finditer(pattern, text, re.I):
        yield match.group(0).strip(), int(match.group(1))


def _job_size(text: str) -> Iterator[tuple[str, float, int]]:
    for match in PATTERNS["job_size"].finditer(text):
        unit = match.group(3).lower()
        memory = float(match.group(2)) * (1024 if unit.startswith("g") else 1)
        yield match.group(0).strip(), float(match.group(1)), round(memory)


def _read_job_memory(text: str) -> Iterator[tuple[str, Any]]:
    for quote, _, memory in _job_size(text):
        yield quote, str(memory)


def _read_job_vcpus(text: str) -> Iterator[tuple[str, Any]]:
    for quote, vcpus, _ in _job_size(text):
        yield quote, f"{vcpus:g}"


FAILURE_RULE = "batch_job_failed"


def _read_failure_alert(text: str) -> Iterator[tuple[str, Any]]:
    match = PATTERNS["failure_alert"].search(text)
    if match:
        yield match.group(0).strip(), "batch-job-failed"


def _failure_alert(bp: Blueprint) -> None:
    """A failed job publishes to the alerts topic: an EventBridge rule on Batch job state."""
    topic = "alerts" if bp.has("aws_sns_topic.alerts") else None
    if topic is None or not bp.has("aws_batch_job_queue.main"):
        bp.notes.append("Batch job failure alert: no alerts topic in the design; not wired.")
        return
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_event_rule",
            FAILURE_RULE,
            "observability",
            "Matches Batch jobs of this queue that end FAILED.",
            {
                "name": interp("${local.name}-batch-job-failed"),
                "description": "AWS Batch job failed",
                "event_pattern": jsonencode(
                    {
                        "source": ["aws.batch"],
                        "detail-type": ["Batch Job State Change"],
                        "detail": {
                            "status": ["FAILED"],
                            "jobQueue": [Expr("aws_batch_job_queue.main.arn")],
                        },
                    }
                ),
                "tags": {**tags("batch-job-failed"), "Purpose": "batch-job-failed"},
            },
            block="batch",
        )
    )
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_event_target",
            FAILURE_RULE,
            "observability",
            "Sends each failed-job event to the alerts topic (its subscribers are notified).",
            {
                "rule": Expr(f"aws_cloudwatch_event_rule.{FAILURE_RULE}.name"),
                "target_id": "alerts",
                "arn": Expr(f"aws_sns_topic.{topic}.arn"),
            },
            block="batch",
        )
    )
    _allow_topic_publish(bp, topic, FAILURE_RULE)


def build(bp: Blueprint, ctx: Context) -> None:
    environment = bp.find(ENVIRONMENT)
    if environment is None:
        return
    params = ctx.req.params
    if params.get("batch.failure_alert"):
        _failure_alert(bp)
    resources = environment.body.get("compute_resources")
    if params.get("batch.spot") == "SPOT" and isinstance(resources, Block):
        resources.body["type"] = "FARGATE_SPOT"
        environment.reason = (
            "Fargate Spot capacity for jobs, as asked: Spot pricing, nothing idles; an "
            "interrupted job is retried."
        )
    cap = params.get("batch.max_vcpus")
    if isinstance(cap, int) and 1 <= cap <= 10000 and "batch_max_vcpus" in bp.variables:
        variable = bp.variables["batch_max_vcpus"]
        bp.variables["batch_max_vcpus"] = dataclasses.replace(variable, default=cap)
    vcpus, memory = params.get("batch.job_vcpus"), params.get("batch.job_memory_mb")
    job = bp.find(JOB)
    if job is None or vcpus is None or memory is None:
        return
    cpu, mib = float(vcpus), int(memory)
    allowed = FARGATE_MEMORY.get(cpu)
    if allowed is None or not allowed[0] <= mib <= allowed[1]:
        bp.notes.append(
            f"Batch job size {vcpus} vCPU / {mib} MiB is not a Fargate size; the job keeps 1 vCPU / 2 GiB."
        )
        return
    properties = job.body.get("container_properties")
    if isinstance(properties, Call) and isinstance(properties.argument, dict):
        properties.argument["resourceRequirements"] = [
            {"type": "VCPU", "value": f"{cpu:g}"},
            {"type": "MEMORY", "value": str(mib)},
        ]
        job.reason = f"The job's container: {cpu:g} vCPU, {mib} MiB, retried up to 3 times."
        job.body["tags"] = {
            **dict(job.body.get("tags") or {}),
            "Vcpus": f"{cpu:g}",
            "MemoryMiB": str(mib),
        }


def _applies(req: Requirements) -> bool:
    keys = {
        "batch.spot",
        "batch.max_vcpus",
        "batch.job_vcpus",
        "batch.job_memory_mb",
        "batch.failure_alert",
    }
    return bool(keys & set(req.params))


CAPABILITY = declare(
    "batch_options",
    build=build,
    applies=_applies,
    readers={
        "batch.spot": _about_batch(_read_spot),
        "batch.max_vcpus": _about_batch(_read_max_vcpus),
        "batch.job_vcpus": _about_batch(_read_job_vcpus),
        "batch.job_memory_mb": _about_batch(_read_job_memory),
        "batch.failure_alert": _about_batch(_read_failure_alert),
    },
)
