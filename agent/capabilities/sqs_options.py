"""SQS options as stated: FIFO ordering, how many failed receives send a message to the
dead-letter queue, how long messages are kept, and the visibility timeout.

They tune the core work queue (``aws_sqs_queue.jobs`` and its ``jobs_dlq``, agent/catalog/messaging.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Expr
from autcloud.agent.ledger import Evidence, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("sqs_options")

QUEUE, DLQ = "aws_sqs_queue.jobs", "aws_sqs_queue.jobs_dlq"
MAX_RETENTION_DAYS = 14


@dataclass(frozen=True)
class RedriveParameter(Parameter):
    """``maxReceiveCount`` inside the queue's ``redrive_policy = jsonencode({...})``."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        text = _redrive(int(value))
        for address, body in instances(module, self.type):
            if text in str(body.get("redrive_policy", "")):
                return [
                    Evidence(address=address, attribute="redrive_policy", op="contains", value=text)
                ]
        return []


def _redrive(count: int) -> str:
    """The count as the redrive policy spells it (first, so "3," never matches "30,")."""
    return f"maxReceiveCount = {count},"


@dataclass(frozen=True)
class ScaledParameter(Parameter):
    """A value stated in one unit (days) and set in another (seconds)."""

    scale: int = 1

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        return super().find(module, int(value) * self.scale)


_SECONDS = {
    "second": 1, "seconds": 1, "sec": 1, "secs": 1, "s": 1, "minute": 60, "minutes": 60, "min": 60,
    "mins": 60, "hour": 3600, "hours": 3600, "초": 1, "분": 60, "시간": 3600,
}  # fmt: skip


def _first_number(match: re.Match[str]) -> int | None:
    number = next((g for g in match.groups() if g is not None), None)
    return int(number) if number is not None and 1 <= int(number) <= 1000 else None


_read_max_receive_any = reader(PATTERNS["max_receive"], _first_number)


def read_max_receive(text: str) -> Iterator[tuple[str, Any]]:
    """A redrive count, only in a message about queues (a workflow's retries are not one)."""
    if PATTERNS["queue_words"].search(text):
        yield from _read_max_receive_any(text)


def read_retention(text: str) -> Iterator[tuple[str, Any]]:
    patterns = (
        r"\b(?:messages?|queue)\s+(?:retention\s+)?(?:kept|retained|retention|stay|stays|held)\s+(?:of\s+|for\s+)?(\d+)\s*(days?|hours?)",
        r"\b(?:keep|retain)\s+(?:queue\s+)?messages?\s+(?:for\s+)?(\d+)\s*(days?|hours?)",
        r"\bmessage\s+retention\s+(?:period\s+)?(?:of\s+|=\s*|:\s*)?(\d+)\s*(days?|hours?)",
        r"메시지\S*\s*(?:를|은|는)?\s*(\d+)\s*(일|시간)\s*(?:동안|간)?\s*(?:보관|보존|유지)",
        r"메시지\s*보관\s*(?:기간)?\s*(?:은|는)?\s*(\d+)\s*(일|시간)",
    )
    for pattern in patterns:
        for match in re.finditer(pattern, text, re.I):
            number, unit = int(match.group(1)), match.group(2).lower()
            days = number if unit.startswith("day") or unit == "일" else max(1, number // 24)
            yield match.group(0).strip(), min(days, MAX_RETENTION_DAYS)


def read_visibility(text: str) -> Iterator[tuple[str, Any]]:
    patterns = (
        r"\bvisibility\s+timeout\s+(?:of\s+|=\s*|:\s*|to\s+)?(\d+)\s*(seconds?|secs?|s|minutes?|mins?|hours?)\b",
        r"\b(\d+)[\s-]*(seconds?|secs?|s|minutes?|mins?|hours?)\s+visibility\s+timeout",
        r"(?:가시성\s*(?:타임아웃|시간\s*초과|제한\s*시간))\s*(?:을|를|은|는)?\s*(\d+)\s*(초|분|시간)",
    )
    for pattern in patterns:
        for match in re.finditer(pattern, text, re.I):
            seconds = int(match.group(1)) * _SECONDS[match.group(2).lower()]
            if 0 <= seconds <= 43200:
                yield match.group(0).strip(), seconds


def _queues(bp: Blueprint) -> list[tuple[ResourceSpec, ResourceSpec | None]]:
    """Every work queue with its dead-letter queue (the core one first)."""
    pairs: list[tuple[ResourceSpec, ResourceSpec | None]] = []
    for spec in bp.resources:
        if spec.type != "aws_sqs_queue" or "redrive_policy" not in spec.body:
            continue
        match = re.search(r"aws_sqs_queue\.(\w+)\.arn", str(spec.body["redrive_policy"]))
        pairs.append((spec, bp.find(f"aws_sqs_queue.{match.group(1)}") if match else None))
    return pairs


def _fifo_name(spec: ResourceSpec) -> None:
    name = spec.body.get("name")
    if isinstance(name, Expr) and not name.text.endswith('.fifo"'):
        text = name.text
        spec.body["name"] = Expr(
            text[:-1] + '.fifo"' if text.endswith('"') else f'"${{{text}}}.fifo"'
        )
    elif isinstance(name, str) and not name.endswith(".fifo"):
        spec.body["name"] = f"{name}.fifo"


def _fifo(bp: Blueprint) -> None:
    for queue, dlq in _queues(bp):
        for spec in (queue, dlq):
            if spec is None:
                continue
            _fifo_name(spec)
            spec.body["fifo_queue"] = True
        queue.body["content_based_deduplication"] = True
        queue.body["deduplication_scope"] = "messageGroup"
        queue.body["fifo_throughput_limit"] = "perMessageGroupId"
        queue.reason = (
            "A FIFO queue: in-order, exactly-once processing per message group; "
            "encrypted, long polling, failed messages to the dead-letter queue."
        )
        if dlq is not None:
            dlq.reason = (
                "Holds messages that failed, for inspection and replay (FIFO, as its queue)."
            )
    # SNS delivers to FIFO queues only from a FIFO topic
    subscribed = {
        str(r.body.get("topic_arn"))
        for r in bp.resources
        if r.type == "aws_sns_topic_subscription" and r.body.get("protocol") == "sqs"
    }
    for topic in bp.resources:
        if topic.type == "aws_sns_topic" and f"{topic.address}.arn" in subscribed:
            _fifo_name(topic)
            topic.body["fifo_topic"] = True
            topic.body["content_based_deduplication"] = True
            topic.reason = (
                "A FIFO topic: ordered, deduplicated fan-out to the FIFO queues; encrypted."
            )


def build(bp: Blueprint, ctx: Context) -> None:
    queue = bp.require(
        QUEUE, "Queue options were asked for, but the design has no queue to apply them to."
    )
    if queue is None:
        return
    params = ctx.req.params
    if "sqs_fifo" in ctx.req.services:
        _fifo(bp)
    receives = params.get("sqs.max_receive_count")
    if receives is not None:
        for work, dlq in _queues(bp):
            if dlq is None:
                continue
            # Written as one expression, so the count stays readable to the ledger (a jsonencode
            # call's argument is opaque to it before the files are rendered).
            work.body["redrive_policy"] = Expr(
                f"jsonencode({{ {_redrive(int(receives))} deadLetterTargetArn = {dlq.address}.arn }})"
            )
            dlq.reason = (
                f"Holds messages that failed {int(receives)} time(s), for inspection and replay."
            )
    retention = params.get("sqs.retention_days")
    if retention is not None:
        queue.body["message_retention_seconds"] = int(retention) * 86400
    visibility = params.get("sqs.visibility_timeout")
    if visibility is not None:
        queue.body["visibility_timeout_seconds"] = int(visibility)


_PARAMETER_KEYS = ("sqs.max_receive_count", "sqs.retention_days", "sqs.visibility_timeout")

CAPABILITIES = [
    declare("sqs_fifo", build=build, applies=lambda req: "sqs_fifo" in req.services),
    declare(
        "sqs_options",
        build=build,
        readers={
            "sqs.max_receive_count": read_max_receive,
            "sqs.retention_days": read_retention,
            "sqs.visibility_timeout": read_visibility,
        },
        # The dead-letter queue itself is core; only stated values need this builder (and FIFO's
        # builder applies them too, so a request naming both runs it once).
        applies=lambda req: (
            "sqs_fifo" not in req.services and any(k in req.params for k in _PARAMETER_KEYS)
        ),
    ),
]
