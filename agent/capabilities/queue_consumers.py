"""Lambda consumers: every SQS queue (and the Kinesis stream) of a Lambda design is read by a
function through an event source mapping, with partial-batch failure reporting and only the
permissions reading needs."""

from __future__ import annotations

from autcloud.agent.capabilities._event_wiring import (
    consumer_function,
    fit_visibility,
    function_timeout,
    role_policy,
)
from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.requirements import Requirements

BLOCK = "queue_consumers"
SQS_BATCH_SIZE = 10
KINESIS_BATCH_SIZE = 100

# Queues that are not work queues: dead-letter queues keep failures for people to inspect.
_SKIP_SUFFIXES = ("_dlq",)


def _mapped_sources(bp: Blueprint) -> set[str]:
    sources: set[str] = set()
    for spec in bp.resources:
        if spec.type == "aws_lambda_event_source_mapping":
            arn = spec.body.get("event_source_arn")
            if isinstance(arn, Expr):
                sources.add(arn.text.removesuffix(".arn"))
    return sources


def work_queues(bp: Blueprint) -> list[str]:
    """Queues that carry work: not dead-letter queues (named so, or a redrive or failure target)."""
    targets = {ref for r in bp.resources if r.type == "aws_sqs_queue" for ref in r.references()}
    for r in bp.resources:
        dead_letters = r.body.get("dead_letter_config")
        if r.type == "aws_lambda_function" and isinstance(dead_letters, Block):
            targets.update(
                ResourceSpec(r.type, r.name, r.topic, "", dead_letters.body).references()
            )
    return [
        r.name
        for r in bp.resources
        if r.type == "aws_sqs_queue"
        and not r.name.endswith(_SKIP_SUFFIXES)
        and r.address not in targets
    ]


def add_queue_mapping(bp: Blueprint, ctx: Context, queue: str, function: str) -> None:
    """The function reads the queue: mapping, permissions, and a visibility timeout that fits."""
    policy = role_policy(
        bp,
        function,
        "queue_consumer",
        f"Lets the {function} function read and delete messages of the queues it consumes.",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility",
                ],
                "Resource": Expr(f"aws_sqs_queue.{queue}.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        BLOCK,
    )
    fit_visibility(bp, queue, function_timeout(bp, ctx, function))
    bp.add(
        ResourceSpec(
            "aws_lambda_event_source_mapping",
            f"{queue}_to_{function}",
            "messaging",
            f"The {function} function processes the {queue.replace('_', ' ')} queue, "
            f"{SQS_BATCH_SIZE} messages at a time; only failed messages return to the queue.",
            {
                "event_source_arn": Expr(f"aws_sqs_queue.{queue}.arn"),
                "function_name": Expr(f"aws_lambda_function.{function}.arn"),
                "batch_size": SQS_BATCH_SIZE,
                "function_response_types": ["ReportBatchItemFailures"],
                "enabled": True,
                "depends_on": [Expr(policy)],
            },
            block=BLOCK,
        )
    )


def add_stream_mapping(bp: Blueprint, stream: str, function: str) -> None:
    policy = role_policy(
        bp,
        function,
        "stream_consumer",
        f"Lets the {function} function read the Kinesis stream it consumes.",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                    "kinesis:SubscribeToShard",
                ],
                "Resource": Expr(f"aws_kinesis_stream.{stream}.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kinesis:ListStreams"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_lambda_event_source_mapping",
            f"{stream}_stream_to_{function}",
            "messaging",
            f"The {function} function processes the event stream from its newest records; "
            "a failing batch is split and retried, then sent to the function's dead-letter queue.",
            {
                "event_source_arn": Expr(f"aws_kinesis_stream.{stream}.arn"),
                "function_name": Expr(f"aws_lambda_function.{function}.arn"),
                "starting_position": "LATEST",
                "batch_size": KINESIS_BATCH_SIZE,
                "maximum_batching_window_in_seconds": 1,
                "maximum_retry_attempts": 3,
                "bisect_batch_on_function_error": True,
                "function_response_types": ["ReportBatchItemFailures"],
                "destination_config": Block(
                    "destination_config",
                    body={
                        "on_failure": Block(
                            "on_failure",
                            body={"destination_arn": Expr(f"aws_sqs_queue.{function}_dlq.arn")},
                        )
                    },
                ),
                "depends_on": [Expr(policy)],
            },
            block=BLOCK,
        )
    )


def build(bp: Blueprint, ctx: Context) -> None:
    queues = [q for q in work_queues(bp) if f"aws_sqs_queue.{q}" not in _mapped_sources(bp)]
    streams = [
        r.name
        for r in bp.resources
        if r.type == "aws_kinesis_stream"
        and f"aws_kinesis_stream.{r.name}" not in _mapped_sources(bp)
    ]
    if not queues and not streams:
        return
    bp.blocks.append(BLOCK)
    env: dict[str, Expr] = {}
    if queues:
        env["QUEUE_URL"] = Expr(f"aws_sqs_queue.{queues[0]}.url")
    if streams:
        env["EVENT_STREAM"] = Expr(f"aws_kinesis_stream.{streams[0]}.name")
    function = consumer_function(
        bp, ctx, "worker", "Processes the queued messages and stream records.", env
    )
    for queue in queues:
        add_queue_mapping(bp, ctx, queue, function)
    for stream in streams:
        add_stream_mapping(bp, stream, function)


def _applies(req: Requirements) -> bool:
    if "queue_consumers" in req.services:
        return True
    return req.compute == "lambda" and (req.has("queue") or req.has("stream"))


CAPABILITY = declare("queue_consumers", build=build, applies=_applies)
