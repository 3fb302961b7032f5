"""SNS → SQS fan-out: the events topic delivers every message to the work queue (raw, encrypted),
so the topic's other subscribers and the queue's consumers each get their own copy."""

from __future__ import annotations

from autcloud.agent.capabilities._event_wiring import allow_queue_send
from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.catalog.messaging import add_queue, add_topic
from autcloud.agent.hcl import Expr
from autcloud.agent.requirements import Requirements

BLOCK = "fanout"


def build(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_sns_topic.events"):
        add_topic(bp)
    if not bp.has("aws_sqs_queue.jobs"):
        add_queue(bp, ctx)
    if bp.has("aws_sns_topic_subscription.events_to_jobs"):
        return
    bp.blocks.append(BLOCK)
    allow_queue_send(
        bp, "jobs", "sns.amazonaws.com", Expr("aws_sns_topic.events.arn"), "EventsTopic", BLOCK
    )
    bp.add(
        ResourceSpec(
            "aws_sns_topic_subscription",
            "events_to_jobs",
            "messaging",
            "Fans the events topic out to the work queue: every event also becomes a job, as sent.",
            {
                "topic_arn": Expr("aws_sns_topic.events.arn"),
                "protocol": "sqs",
                "endpoint": Expr("aws_sqs_queue.jobs.arn"),
                "raw_message_delivery": True,
                "depends_on": [Expr("aws_sqs_queue_policy.jobs")],
            },
            block=BLOCK,
        )
    )


def _applies(req: Requirements) -> bool:
    return "fanout" in req.services or (req.has("topic") and req.has("queue"))


CAPABILITY = declare("fanout", build=build, applies=_applies)
