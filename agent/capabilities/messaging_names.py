"""SNS topic and SQS queue names and counts, as stated.

A topic's name (`SNS topic "user-signups"`) lands on the design's topic. Queues named
(`three SQS queues (welcome-email, analytics, crm-sync)`) or counted (`세 개의 SQS 큐`) become that
many work queues, each with its own dead-letter queue; when the design fans a topic out to its
queue, every one of them is subscribed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities._event_wiring import allow_queue_send
from autcloud.agent.capabilities._names import identifier, name_reader
from autcloud.agent.capabilities.base import EveryValueParameter, Parameter, declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, tags
from autcloud.agent.catalog.messaging import add_queue, add_topic
from autcloud.agent.catalog.security import alarm
from autcloud.agent.hcl import Expr
from autcloud.agent.ledger import Evidence, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("messaging_names")

BLOCK = "queues"
TOPIC_KEY = "sns.topic_name"
QUEUES_KEY = "sqs.queue_names"
COUNT_KEY = "sqs.queue_count"
MAX_QUEUES = 10
DEFAULT_MAX_RECEIVE = 5

_topic_names = name_reader(PATTERNS.fragment("topic"), PATTERNS.fragment("topic_ko"))
_queue_names = name_reader(PATTERNS.fragment("queue"), PATTERNS.fragment("queue_ko"), many=True)

_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8,
}  # fmt: skip


def read_topic_name(text: str) -> Iterator[tuple[str, Any]]:
    """An SNS topic's name; only in a message about SNS (a Kafka topic is not one)."""
    if PATTERNS["sns"].search(text):
        yield from _topic_names(text)


def read_queue_names(text: str) -> Iterator[tuple[str, Any]]:
    for quote, names in _queue_names(text):
        # a dead-letter queue is not a work queue's name ("queue (DLQ)")
        names = [n for n in names if n.lower() not in ("dlq", "fifo", "sqs")]
        if names:
            yield quote, names


def read_queue_count(text: str) -> Iterator[tuple[str, Any]]:
    for pattern in PATTERNS.each("count"):
        match = pattern.search(text)
        if match:
            word = match.group(1).lower()
            count = int(word) if word.isdigit() else _WORDS.get(word, 0)
            if 2 <= count <= MAX_QUEUES:
                yield match.group(0).strip(), count
                return


def work_queues(module: TerraformModule) -> list[str]:
    """Queues that send failures to a dead-letter queue: the work queues."""
    return [
        address
        for address, body in instances(module, "aws_sqs_queue")
        if body.get("redrive_policy")
    ]


@dataclass(frozen=True)
class QueueCountParameter(Parameter):
    """At least the stated number of work queues (each with its dead-letter queue)."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        queues = work_queues(module)
        if len(queues) < int(value):
            return []
        return [Evidence(address=a, attribute="redrive_policy", op="exists") for a in queues][:3]


@dataclass(frozen=True)
class QueueNamesParameter(EveryValueParameter):
    """Every stated name is (part of) some queue's name."""

    shown = 3


def _max_receive(bp: Blueprint) -> int:
    """The core queue's redrive count, so every work queue retries alike."""
    spec = bp.find("aws_sqs_queue.jobs")
    match = (
        re.search(r"maxReceiveCount\D{0,4}(\d+)", str(spec.body.get("redrive_policy")))
        if spec
        else None
    )
    return int(match.group(1)) if match else DEFAULT_MAX_RECEIVE


def _add_queue(bp: Blueprint, ident: str, name: str, receives: int) -> None:
    bp.add(
        ResourceSpec(
            "aws_sqs_queue",
            f"{ident}_dlq",
            "messaging",
            f"The {name} queue's own dead-letter queue: failed messages, kept 14 days for replay.",
            {
                "name": interp(f"${{local.name}}-{name}-dlq"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "message_retention_seconds": 1209600,
                "tags": tags(f"{name}-dlq"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_sqs_queue",
            ident,
            "messaging",
            f"The {name} queue: encrypted, long polling, failed messages to its dead-letter queue.",
            {
                "name": interp(f"${{local.name}}-{name}"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "visibility_timeout_seconds": 300,
                "message_retention_seconds": 345600,
                "receive_wait_time_seconds": 20,
                "redrive_policy": Expr(
                    f"jsonencode({{ maxReceiveCount = {receives}, "
                    f"deadLetterTargetArn = aws_sqs_queue.{ident}_dlq.arn }})"
                ),
                "tags": tags(name),
            },
            block=BLOCK,
        ),
    )
    alarm(
        bp,
        f"{ident}_dead_letters",
        f"Pages when a message lands in the {name} dead-letter queue.",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": Expr(f"aws_sqs_queue.{ident}_dlq.name")},
        threshold=0,
        statistic="Maximum",
        periods=1,
        block=BLOCK,
    )


def _subscribe(bp: Blueprint, ident: str, name: str) -> None:
    allow_queue_send(
        bp, ident, "sns.amazonaws.com", Expr("aws_sns_topic.events.arn"), "EventsTopic", BLOCK
    )
    bp.add(
        ResourceSpec(
            "aws_sns_topic_subscription",
            f"events_to_{ident}",
            "messaging",
            f"Fans the topic out to the {name} queue: every message, as sent.",
            {
                "topic_arn": Expr("aws_sns_topic.events.arn"),
                "protocol": "sqs",
                "endpoint": Expr(f"aws_sqs_queue.{ident}.arn"),
                "raw_message_delivery": True,
                "depends_on": [Expr(f"aws_sqs_queue_policy.{ident}")],
            },
            block=BLOCK,
        )
    )


def _queues(bp: Blueprint, ctx: Context) -> None:
    stated = ctx.req.params.get(QUEUES_KEY)
    names = [str(n) for n in stated][:MAX_QUEUES] if isinstance(stated, list) else []
    count = ctx.req.params.get(COUNT_KEY)
    wanted = max(len(names), count if isinstance(count, int) else 0)
    if not names and wanted < 2:
        return
    bp.blocks.append(BLOCK)
    if not bp.has("aws_sqs_queue.jobs"):
        add_queue(bp, ctx)
    labels = names + [f"jobs-{i}" for i in range(len(names) + 1, wanted + 1)]
    first = bp.find("aws_sqs_queue.jobs")
    dlq = bp.find("aws_sqs_queue.jobs_dlq")
    if first is not None and names:
        first.body["name"] = interp(f"${{local.name}}-{labels[0]}")
        first.reason = f"The {labels[0]} queue: encrypted, long polling, failed messages to its dead-letter queue."
        if dlq is not None:
            dlq.body["name"] = interp(f"${{local.name}}-{labels[0]}-dlq")
    fanned = bp.has("aws_sns_topic_subscription.events_to_jobs")
    receives = _max_receive(bp)
    for label in labels[1:]:
        ident = identifier(label)
        if bp.has(f"aws_sqs_queue.{ident}") or ident == "jobs":
            ident = f"{ident}_queue"
        _add_queue(bp, ident, label, receives)
        if fanned:
            _subscribe(bp, ident, label)


def _topic(bp: Blueprint, ctx: Context) -> None:
    name = ctx.req.params.get(TOPIC_KEY)
    if not isinstance(name, str):
        return
    address = next((a for a in ("aws_sns_topic.events", "aws_sns_topic.alerts") if bp.has(a)), None)
    if address is None:
        add_topic(bp)
        address = "aws_sns_topic.events"
    spec = bp.find(address)
    if spec is not None:
        spec.body["name"] = name
        spec.reason = f'The "{name}" topic, as named; encrypted with the project key.'


def build(bp: Blueprint, ctx: Context) -> None:
    _topic(bp, ctx)
    _queues(bp, ctx)


CAPABILITY = declare(
    "messaging_names",
    build=build,
    readers={TOPIC_KEY: read_topic_name, QUEUES_KEY: read_queue_names, COUNT_KEY: read_queue_count},
)
