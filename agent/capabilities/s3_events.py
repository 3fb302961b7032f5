"""S3 upload events: an object created in the uploads bucket triggers the design's Lambda function,
directly, or through the SQS queue, the SNS topic or EventBridge when the request says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities._event_wiring import (
    allow_queue_send,
    consumer_function,
    drop_notification_skip,
    role_policy,
)
from autcloud.agent.capabilities.base import Parameter, declare
from autcloud.agent.capabilities.queue_consumers import add_queue_mapping
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    ResourceSpec,
    assume_role,
    interp,
    policy_document,
)
from autcloud.agent.catalog.messaging import add_queue, add_topic
from autcloud.agent.catalog.security import allow_key_use, allow_topic_publish
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.ledger import Evidence, instances
from autcloud.agent.tfparse import TerraformModule

BLOCK = "s3_events"
EVENTS = ["s3:ObjectCreated:*"]
_SOURCE = r"(?:s3|uploads?|uploaded|bucket|버킷|업로드\S*|올라오면)"
# "the bucket notifies an SQS queue", "S3 publishes to an SNS topic", "emit events to EventBridge"
_SENDS = (
    r"\b(?:notif(?:y|ies)|publish(?:es)?\s+(?:its\s+)?(?:events\s+)?to|sends?\s+(?:its\s+)?(?:object\s+)?"
    r"(?:events|notifications)\s+to|emits?\s+(?:its\s+)?events\s+to|delivers?\s+(?:its\s+)?events\s+to"
    r"|events?\s+(?:go|goes|flow|flows)\s+to)"
)
_VIA = {
    "sqs": r"(?:an?\s+|the\s+)?(?:sqs(?:\s+queue)?|queue|큐)",
    "sns": r"(?:an?\s+|the\s+)?(?:sns(?:\s+topic)?|topic|토픽)",
    "eventbridge": r"(?:eventbridge|event\s+bridge|이벤트\s*브리지)",
}


def _read_via(text: str) -> Iterator[tuple[str, Any]]:
    """ "S3 → SQS → Lambda", "uploads go through a queue", "업로드 이벤트를 SQS를 거쳐": the transport."""
    found: list[tuple[int, str, str]] = []
    for value, target in _VIA.items():
        patterns = (
            rf"{_SOURCE}\s*(?:→|->|=>|>)\s*{target}",
            rf"{_SOURCE}[^.\n]{{0,80}}?\b(?:via|through|thru|using|over)\s+{target}",
            rf"{_SOURCE}[^.\n]{{0,60}}?{target}\s*(?:를|을|로|으로)?\s*(?:거쳐|통해|경유)",
            rf"{_SOURCE}[^.\n]{{0,80}}?{_SENDS}\s+{target}",
            rf"\b(?:turn\s+on|enable|activate|switch\s+on)\s+{target}\s+notifications?\s+(?:for|on)\b",
            rf"{target}\s+notifications?\s+(?:for|on)\s+(?:the\s+|our\s+|its\s+)?(?:[\w\"'-]+\s+){{0,3}}bucket",
            rf"{_SOURCE}[^.\n]{{0,60}}?{target}\s*(?:로|으로)\s*(?:이벤트|알림)",
        )
        for pattern in patterns:
            match = re.search(pattern, text, re.I)
            if match:
                found.append((match.end(), match.group(0).strip(), value))
    if found:  # the transport named first after the source
        _, quote, value = min(found)
        yield quote, value


@dataclass(frozen=True)
class ViaParameter(Parameter):
    """Proven by the bucket notification's destination kind (queue, topic, EventBridge)."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        attribute = {"sqs": "queue", "sns": "topic", "eventbridge": "eventbridge"}.get(str(value))
        if attribute is None:
            return []
        for address, body in instances(module, self.type):
            if body.get(attribute) not in (None, False, "false", [], {}):
                return [Evidence(address=address, attribute=attribute, op="exists")]
        return []


def _bucket(bp: Blueprint) -> str:
    for name in ("uploads", "assets"):
        if bp.has(f"aws_s3_bucket.{name}"):
            return name
    add_bucket(bp, "uploads", "Receives the uploaded files; each new object starts processing.")
    return "uploads"


def _read_policy(bp: Blueprint, function: str, bucket: str) -> None:
    role_policy(
        bp,
        function,
        "upload_reader",
        f"Lets the {function} function read the uploaded objects it is told about.",
        [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": Expr(f'"${{aws_s3_bucket.{bucket}.arn}}/*"'),
            },
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": Expr(f"aws_s3_bucket.{bucket}.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        BLOCK,
    )


def _permission(bp: Blueprint, name: str, function: str, service: str, source: Expr) -> None:
    bp.add(
        ResourceSpec(
            "aws_lambda_permission",
            name,
            "compute",
            f"Lets {service} invoke the {function} function, only for this one source.",
            {
                "statement_id": name.replace("_", "-"),
                "action": "lambda:InvokeFunction",
                "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                "principal": service,
                "source_arn": source,
                "source_account": Expr("data.aws_caller_identity.current.account_id"),
            },
            block=BLOCK,
        )
    )


def _notification(bucket: str, reason: str, kind: str, target: str, after: str) -> ResourceSpec:
    """The bucket's new objects sent to one target (its address) of a kind (``lambda_function``,
    ``queue``, ``topic``), once ``after`` (what lets S3 send there) exists."""
    return ResourceSpec(
        "aws_s3_bucket_notification",
        bucket,
        "storage",
        reason,
        {
            "bucket": Expr(f"aws_s3_bucket.{bucket}.id"),
            kind: Block(kind, body={f"{kind}_arn": Expr(f"{target}.arn"), "events": EVENTS}),
            "depends_on": [Expr(after)],
        },
        block=BLOCK,
    )


def _direct(bp: Blueprint, bucket: str, function: str) -> None:
    _permission(
        bp, f"{bucket}_s3_invoke", function, "s3.amazonaws.com", Expr(f"aws_s3_bucket.{bucket}.arn")
    )
    bp.add(
        _notification(
            bucket,
            f"Every new object in the {bucket} bucket invokes the {function} function.",
            "lambda_function",
            f"aws_lambda_function.{function}",
            f"aws_lambda_permission.{bucket}_s3_invoke",
        )
    )


def _via_queue(bp: Blueprint, ctx: Context, bucket: str, function: str) -> None:
    if not bp.has("aws_sqs_queue.jobs"):
        add_queue(bp, ctx)
    allow_key_use(bp, "s3.amazonaws.com")
    allow_queue_send(
        bp, "jobs", "s3.amazonaws.com", Expr(f"aws_s3_bucket.{bucket}.arn"), "S3Uploads", BLOCK
    )
    bp.add(
        _notification(
            bucket,
            f"Every new object in the {bucket} bucket is queued for processing (SQS buffers bursts).",
            "queue",
            "aws_sqs_queue.jobs",
            "aws_sqs_queue_policy.jobs",
        )
    )
    add_queue_mapping(bp, ctx, "jobs", function)


def _via_topic(bp: Blueprint, bucket: str, function: str) -> None:
    if not bp.has("aws_sns_topic.events"):
        add_topic(bp)
    allow_key_use(bp, "s3.amazonaws.com")
    allow_topic_publish(
        bp, "events", "s3.amazonaws.com", Expr(f"aws_s3_bucket.{bucket}.arn"), "S3Uploads", BLOCK
    )
    bp.add(
        _notification(
            bucket,
            f"Every new object in the {bucket} bucket is published to the events topic.",
            "topic",
            "aws_sns_topic.events",
            "aws_sns_topic_policy.events",
        ),
        ResourceSpec(
            "aws_sns_topic_subscription",
            f"events_to_{function}",
            "messaging",
            f"The {function} function receives every upload event from the topic.",
            {
                "topic_arn": Expr("aws_sns_topic.events.arn"),
                "protocol": "lambda",
                "endpoint": Expr(f"aws_lambda_function.{function}.arn"),
            },
            block=BLOCK,
        ),
    )
    _permission(
        bp,
        f"events_sns_invoke_{function}",
        function,
        "sns.amazonaws.com",
        Expr("aws_sns_topic.events.arn"),
    )


def _uploads_to_eventbridge(bucket: str) -> tuple[ResourceSpec, ResourceSpec]:
    """The bucket's events on EventBridge, and a rule ``<bucket>_uploaded`` matching its new objects."""
    return (
        ResourceSpec(
            "aws_s3_bucket_notification",
            bucket,
            "storage",
            f"Sends the {bucket} bucket's object events to EventBridge.",
            {"bucket": Expr(f"aws_s3_bucket.{bucket}.id"), "eventbridge": True},
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_cloudwatch_event_rule",
            f"{bucket}_uploaded",
            "messaging",
            f"Matches objects created in the {bucket} bucket.",
            {
                "name": interp(f"${{local.name}}-{bucket.replace('_', '-')}-uploaded"),
                "event_pattern": jsonencode(
                    {
                        "source": ["aws.s3"],
                        "detail-type": ["Object Created"],
                        "detail": {"bucket": {"name": [Expr(f"aws_s3_bucket.{bucket}.bucket")]}},
                    }
                ),
            },
            block=BLOCK,
        ),
    )


def _via_eventbridge(bp: Blueprint, bucket: str, function: str) -> None:
    bp.add(
        *_uploads_to_eventbridge(bucket),
        ResourceSpec(
            "aws_cloudwatch_event_target",
            f"{bucket}_uploaded",
            "messaging",
            f"Invokes the {function} function for each upload; failed deliveries go to its dead-letter queue.",
            {
                "rule": Expr(f"aws_cloudwatch_event_rule.{bucket}_uploaded.name"),
                "arn": Expr(f"aws_lambda_function.{function}.arn"),
                "retry_policy": Block(
                    "retry_policy",
                    body={"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 5},
                ),
                "dead_letter_config": Block(
                    "dead_letter_config", body={"arn": Expr(f"aws_sqs_queue.{function}_dlq.arn")}
                ),
            },
            block=BLOCK,
        ),
    )
    _permission(
        bp,
        f"{bucket}_eventbridge_invoke",
        function,
        "events.amazonaws.com",
        Expr(f"aws_cloudwatch_event_rule.{bucket}_uploaded.arn"),
    )
    _allow_dlq_from_rule(bp, bucket, function)


def _eventbridge_to_workflow(bp: Blueprint, bucket: str, workflow: str) -> None:
    """S3 → EventBridge → Step Functions: each upload starts one execution of the workflow."""
    rule = f"{bucket}_uploaded"
    bp.add(
        *_uploads_to_eventbridge(bucket),
        ResourceSpec(
            "aws_iam_role",
            f"{rule}_events",
            "messaging",
            "Lets EventBridge start the workflow for each upload.",
            {
                "name": interp(f"${{local.name}}-{bucket.replace('_', '-')}-uploaded-events"),
                "assume_role_policy": assume_role("events.amazonaws.com"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy",
            f"{rule}_events",
            "messaging",
            "EventBridge may start executions of this one workflow, nothing else.",
            {
                "name": "start-workflow",
                "role": Expr(f"aws_iam_role.{rule}_events.id"),
                "policy": policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": "states:StartExecution",
                            "Resource": Expr(f"aws_sfn_state_machine.{workflow}.arn"),
                        }
                    ]
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_cloudwatch_event_target",
            rule,
            "messaging",
            f"Starts the {workflow} workflow for each upload, retrying failed starts.",
            {
                "rule": Expr(f"aws_cloudwatch_event_rule.{rule}.name"),
                "arn": Expr(f"aws_sfn_state_machine.{workflow}.arn"),
                "role_arn": Expr(f"aws_iam_role.{rule}_events.arn"),
                "retry_policy": Block(
                    "retry_policy",
                    body={"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 5},
                ),
            },
            block=BLOCK,
        ),
    )


def _allow_dlq_from_rule(bp: Blueprint, bucket: str, function: str) -> None:
    allow_queue_send(
        bp,
        f"{function}_dlq",
        "events.amazonaws.com",
        Expr(f"aws_cloudwatch_event_rule.{bucket}_uploaded.arn"),
        "EventBridgeDeadLetters",
        BLOCK,
    )


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    bucket = _bucket(bp)
    via = ctx.req.params.get("s3_events.via")
    existing = bp.find(f"aws_s3_bucket_notification.{bucket}")
    if existing is not None:  # someone already wired this bucket's events
        if via == "eventbridge":  # EventBridge receives them too, as asked
            existing.body["eventbridge"] = True
        return
    workflow = next((r for r in bp.resources if r.type == "aws_sfn_state_machine"), None)
    if via == "eventbridge" and workflow is not None:
        _eventbridge_to_workflow(bp, bucket, workflow.name)
        drop_notification_skip(bp, bucket)
        return
    function = consumer_function(
        bp,
        ctx,
        "processor",
        "Processes each uploaded file.",
        {"UPLOADS_BUCKET": Expr(f"aws_s3_bucket.{bucket}.bucket")},
    )
    _read_policy(bp, function, bucket)
    if via == "sqs":
        _via_queue(bp, ctx, bucket, function)
    elif via == "sns":
        _via_topic(bp, bucket, function)
    elif via == "eventbridge":
        _via_eventbridge(bp, bucket, function)
    else:
        _direct(bp, bucket, function)
    drop_notification_skip(bp, bucket)


CAPABILITY = declare("s3_events", build=build, readers={"s3_events.via": _read_via})
