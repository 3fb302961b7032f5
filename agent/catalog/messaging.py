"""Messaging: SQS with a dead-letter queue, SNS, Kinesis, EventBridge schedules."""

from __future__ import annotations

from typing import Any

from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.compute import egress, role, role_policy, security_group
from autcloud.agent.catalog.security import standard_alarm
from autcloud.agent.hcl import Block, Expr, jsonencode


def add_queue(bp: Blueprint, ctx: Context) -> list[dict[str, Any]]:
    bp.blocks.append("sqs")
    bp.add(
        ResourceSpec(
            "aws_sqs_queue",
            "jobs_dlq",
            "messaging",
            "Holds jobs that failed five times, for inspection and replay.",
            {
                "name": interp("${local.name}-jobs-dlq"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "message_retention_seconds": 1209600,
                "tags": tags("jobs-dlq"),
            },
            block="sqs",
        ),
        ResourceSpec(
            "aws_sqs_queue",
            "jobs",
            "messaging",
            "The work queue: encrypted, long polling, failed jobs to the dead-letter queue.",
            {
                "name": interp("${local.name}-jobs"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "visibility_timeout_seconds": 300,
                "message_retention_seconds": 345600,
                "receive_wait_time_seconds": 20,
                "redrive_policy": jsonencode(
                    {
                        "deadLetterTargetArn": Expr("aws_sqs_queue.jobs_dlq.arn"),
                        "maxReceiveCount": 5,
                    }
                ),
                "tags": tags("jobs"),
            },
            block="sqs",
        ),
    )
    standard_alarm(bp, "jobs_backlog")
    standard_alarm(bp, "jobs_dead_letters")
    bp.out(Output("jobs_queue_url", "aws_sqs_queue.jobs.url", "URL of the work queue."))
    return [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:SendMessage",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            "Resource": Expr("aws_sqs_queue.jobs.arn"),
        }
    ]


def add_topic(bp: Blueprint) -> list[dict[str, Any]]:
    bp.blocks.append("sns")
    bp.add(
        ResourceSpec(
            "aws_sns_topic",
            "events",
            "messaging",
            "Fans application events out to subscribers; encrypted.",
            {
                "name": interp("${local.name}-events"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "tags": tags("events"),
            },
            block="sns",
        )
    )
    bp.out(Output("events_topic_arn", "aws_sns_topic.events.arn", "ARN of the events topic."))
    return [
        {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": Expr("aws_sns_topic.events.arn")}
    ]


def add_stream(bp: Blueprint, ctx: Context) -> list[dict[str, Any]]:
    bp.blocks.append("kinesis")
    shards = bp.var(
        Variable(
            "stream_shard_count",
            "number",
            "Kinesis shards (1 MB/s in, 2 MB/s out each).",
            max(1, (ctx.req.requests_per_second or 0) // 1000 + 1),
        )
    )
    bp.add(
        ResourceSpec(
            "aws_kinesis_stream",
            "events",
            "messaging",
            "An ordered, replayable event stream, encrypted with the project key.",
            {
                "name": interp("${local.name}-events"),
                "shard_count": shards,
                "retention_period": 24,
                "encryption_type": "KMS",
                "kms_key_id": Expr("aws_kms_key.main.id"),
                "stream_mode_details": Block(
                    "stream_mode_details", body={"stream_mode": "PROVISIONED"}
                ),
                "tags": tags("stream"),
            },
            block="kinesis",
        )
    )
    bp.out(
        Output("event_stream_name", "aws_kinesis_stream.events.name", "Name of the Kinesis stream.")
    )
    return [
        {
            "Effect": "Allow",
            "Action": [
                "kinesis:PutRecord",
                "kinesis:PutRecords",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:DescribeStream",
            ],
            "Resource": Expr("aws_kinesis_stream.events.arn"),
        }
    ]


def schedule_expression(bp: Blueprint, ctx: Context) -> Expr:
    """The variable saying when the scheduled job runs (the stated schedule, else daily 18:00 UTC)."""
    return bp.var(
        Variable(
            "schedule_expression",
            "string",
            "When the scheduled job runs (rate() or cron(), UTC).",
            ctx.req.schedule_expression or "cron(0 18 * * ? *)",
        )
    )


def scheduler_schedule(
    bp: Blueprint,
    name: str,
    reason: str,
    *,
    expression: Expr,
    timezone: str,
    target: dict[str, Any],
    role_name: str,
    what: str,
    policy_name: str,
    statements: list[dict[str, Any]],
    policy_reason: str,
    block: str,
) -> None:
    """An EventBridge Scheduler schedule ``name`` that runs ``target`` (its ``arn`` and what the
    target type adds: arguments such as ``input``, blocks such as ``ecs_parameters``), retried
    twice, through its own role ``role_name`` allowed ``statements`` only."""
    role(
        bp,
        role_name,
        "scheduler.amazonaws.com",
        f"Lets EventBridge Scheduler {what}, nothing else.",
        "messaging",
        block,
    )
    role_policy(bp, role_name, policy_name, statements, policy_reason, "messaging", block)
    bp.add(
        ResourceSpec(
            "aws_scheduler_schedule",
            name,
            "messaging",
            reason,
            {
                "name": interp(f"${{local.name}}-{name.replace('_', '-')}"),
                "schedule_expression": expression,
                "schedule_expression_timezone": timezone,
                "kms_key_arn": Expr("aws_kms_key.main.arn"),
                "flexible_time_window": Block("flexible_time_window", body={"mode": "OFF"}),
                # Arguments before nested blocks, as Terraform's style has them.
                "target": Block(
                    "target",
                    body={
                        **{k: v for k, v in target.items() if not isinstance(v, Block)},
                        "role_arn": Expr(f"aws_iam_role.{role_name}.arn"),
                        **{k: v for k, v in target.items() if isinstance(v, Block)},
                        "retry_policy": Block("retry_policy", body={"maximum_retry_attempts": 2}),
                    },
                ),
            },
            block=block,
        ),
    )


def add_schedule(
    bp: Blueprint, ctx: Context, target_function: str | None, *, state_machine: str | None = None
) -> None:
    """An EventBridge Scheduler schedule, retried: it invokes a Lambda function, starts a Step
    Functions state machine, or, with neither, submits the AWS Batch job (through Scheduler's
    universal target)."""
    bp.blocks.append("eventbridge")
    if state_machine is not None:
        action = "states:StartExecution"
        resources: Any = Expr(f"aws_sfn_state_machine.{state_machine}.arn")
        target: dict[str, Any] = {"arn": Expr(f"aws_sfn_state_machine.{state_machine}.arn")}
        what = "start the workflow"
    elif target_function is None:
        action = "batch:SubmitJob"
        resources = [
            Expr("aws_batch_job_queue.main.arn"),
            Expr('"${aws_batch_job_definition.main.arn_prefix}:*"'),
        ]
        target = {
            "arn": "arn:aws:scheduler:::aws-sdk:batch:submitJob",
            "input": jsonencode(
                {
                    "JobName": interp("${local.name}-scheduled"),
                    "JobQueue": Expr("aws_batch_job_queue.main.arn"),
                    "JobDefinition": Expr("aws_batch_job_definition.main.arn"),
                }
            ),
        }
        what = "submit the batch job"
    else:
        action = "lambda:InvokeFunction"
        resources = Expr(f"aws_lambda_function.{target_function}.arn")
        target = {"arn": Expr(f"aws_lambda_function.{target_function}.arn")}
        what = "invoke the job function"
    scheduler_schedule(
        bp,
        "job",
        "Runs the job on schedule, retrying twice before giving up.",
        expression=schedule_expression(bp, ctx),
        timezone=ctx.req.schedule_timezone or "UTC",
        target=target,
        role_name="scheduler",
        what=what,
        policy_name="invoke-job",
        statements=[{"Effect": "Allow", "Action": action, "Resource": resources}],
        policy_reason="The scheduler's only permission: invoke the job.",
        block="eventbridge",
    )


def add_data_lake(bp: Blueprint, ctx: Context) -> None:
    """A data lake: raw data in S3, a Glue catalog, and an Athena workgroup with encrypted results."""
    from autcloud.agent.catalog.storage import add_bucket

    bp.blocks.append("data_lake")
    add_bucket(
        bp,
        "data_lake",
        "Raw and curated data for analytics, partitioned by prefix.",
        topic="analytics",
    )
    add_bucket(
        bp,
        "athena_results",
        "Athena query results, expired after 30 days.",
        topic="analytics",
        expire_noncurrent_days=30,
        transition_to_ia_days=None,
    )
    bp.add(
        ResourceSpec(
            "aws_glue_catalog_database",
            "lake",
            "analytics",
            "The catalog of data lake tables Athena queries.",
            {
                "name": Expr('replace("${local.name}_lake", "-", "_")'),
                "description": interp("Data lake tables of ${local.name}"),
            },
            block="data_lake",
        ),
        ResourceSpec(
            "aws_athena_workgroup",
            "analytics",
            "analytics",
            "Runs queries with encrypted results and a per-query scan limit.",
            {
                "name": interp("${local.name}-analytics"),
                "force_destroy": False,
                "configuration": Block(
                    "configuration",
                    body={
                        "enforce_workgroup_configuration": True,
                        "publish_cloudwatch_metrics_enabled": True,
                        "bytes_scanned_cutoff_per_query": 10_737_418_240,
                        "result_configuration": Block(
                            "result_configuration",
                            body={
                                "output_location": interp(
                                    "s3://${aws_s3_bucket.athena_results.bucket}/results/"
                                ),
                                "encryption_configuration": Block(
                                    "encryption_configuration",
                                    body={
                                        "encryption_option": "SSE_KMS",
                                        "kms_key_arn": Expr("aws_kms_key.main.arn"),
                                    },
                                ),
                            },
                        ),
                    },
                ),
                "tags": tags("athena"),
            },
            block="data_lake",
        ),
        ResourceSpec(
            "aws_glue_security_configuration",
            "lake",
            "analytics",
            "Encrypts Glue job output, logs and bookmarks.",
            {
                "name": interp("${local.name}-lake"),
                "encryption_configuration": Block(
                    "encryption_configuration",
                    body={
                        "cloudwatch_encryption": Block(
                            "cloudwatch_encryption",
                            body={
                                "cloudwatch_encryption_mode": "SSE-KMS",
                                "kms_key_arn": Expr("aws_kms_key.main.arn"),
                            },
                        ),
                        "job_bookmarks_encryption": Block(
                            "job_bookmarks_encryption",
                            body={
                                "job_bookmarks_encryption_mode": "CSE-KMS",
                                "kms_key_arn": Expr("aws_kms_key.main.arn"),
                            },
                        ),
                        "s3_encryption": Block(
                            "s3_encryption",
                            body={
                                "s3_encryption_mode": "SSE-KMS",
                                "kms_key_arn": Expr("aws_kms_key.main.arn"),
                            },
                        ),
                    },
                ),
            },
            block="data_lake",
        ),
    )
    bp.out(
        Output(
            "athena_workgroup",
            "aws_athena_workgroup.analytics.name",
            "Athena workgroup for queries.",
        ),
        Output(
            "glue_database",
            "aws_glue_catalog_database.lake.name",
            "Glue catalog database of the lake.",
        ),
    )


def add_batch(bp: Blueprint, ctx: Context) -> None:
    """AWS Batch on Fargate: a compute environment in the private subnets, a queue, a job definition."""
    bp.blocks.append("batch")
    image = bp.var(
        Variable(
            "batch_job_image",
            "string",
            "Container image of the batch job.",
            ctx.req.container_image or "public.ecr.aws/docker/library/python:3.12-slim",
        )
    )
    max_vcpus = bp.var(
        Variable(
            "batch_max_vcpus", "number", "Most vCPUs the batch environment may use at once.", 16
        )
    )
    security_group(
        bp, "batch", "Batch jobs", "The batch jobs' firewall: outbound HTTPS only.", "batch"
    )
    egress(
        bp,
        "batch_https_out",
        "batch",
        443,
        "HTTPS out (AWS APIs, image pulls).",
        cidr="0.0.0.0/0",
        block="batch",
    )
    role(
        bp,
        "batch_execution",
        "ecs-tasks.amazonaws.com",
        "Lets Batch pull the job image and write logs.",
        "compute",
        "batch",
        ("service-role/AmazonECSTaskExecutionRolePolicy",),
    )
    bp.add(
        ResourceSpec(
            "aws_batch_compute_environment",
            "fargate",
            "compute",
            "Serverless Fargate capacity for jobs: nothing idles.",
            {
                "compute_environment_name_prefix": interp("${local.name}-"),
                "type": "MANAGED",
                "compute_resources": Block(
                    "compute_resources",
                    body={
                        "type": "FARGATE_SPOT" if ctx.req.environment == "dev" else "FARGATE",
                        "max_vcpus": max_vcpus,
                        "subnets": Expr("aws_subnet.private[*].id"),
                        "security_group_ids": [Expr("aws_security_group.batch.id")],
                    },
                ),
                "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
            },
            block="batch",
        ),
        ResourceSpec(
            "aws_batch_job_queue",
            "main",
            "compute",
            "Where jobs wait for capacity.",
            {
                "name": interp("${local.name}-jobs"),
                "state": "ENABLED",
                "priority": 1,
                "compute_environment_order": Block(
                    "compute_environment_order",
                    body={
                        "order": 1,
                        "compute_environment": Expr("aws_batch_compute_environment.fargate.arn"),
                    },
                ),
            },
            block="batch",
        ),
        ResourceSpec(
            "aws_batch_job_definition",
            "main",
            "compute",
            "The job's container: 1 vCPU, 2 GiB, retried up to 3 times.",
            {
                "name": interp("${local.name}-job"),
                "type": "container",
                "platform_capabilities": ["FARGATE"],
                "retry_strategy": Block("retry_strategy", body={"attempts": 3}),
                "container_properties": jsonencode(
                    {
                        "image": image,
                        "executionRoleArn": Expr("aws_iam_role.batch_execution.arn"),
                        "resourceRequirements": [
                            {"type": "VCPU", "value": "1"},
                            {"type": "MEMORY", "value": "2048"},
                        ],
                        "networkConfiguration": {"assignPublicIp": "DISABLED"},
                        "readonlyRootFilesystem": True,
                        "privileged": False,
                        "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
                    }
                ),
            },
            block="batch",
        ),
    )
    bp.out(
        Output("batch_job_queue", "aws_batch_job_queue.main.name", "Name of the Batch job queue.")
    )


def add_stream_to_lake(bp: Blueprint) -> None:
    """Kinesis Data Firehose: delivers the event stream into the data lake, compressed, by date."""
    bp.blocks.append("firehose")
    role(
        bp,
        "firehose",
        "firehose.amazonaws.com",
        "Lets Firehose read the stream and write to the lake, nothing else.",
        "analytics",
        "firehose",
    )
    role_policy(
        bp,
        "firehose",
        "stream-to-lake",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream",
                    "kinesis:GetShardIterator",
                    "kinesis:GetRecords",
                    "kinesis:ListShards",
                ],
                "Resource": Expr("aws_kinesis_stream.events.arn"),
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:PutObject",
                    "s3:GetBucketLocation",
                    "s3:ListBucket",
                    "s3:AbortMultipartUpload",
                ],
                "Resource": [
                    Expr("aws_s3_bucket.data_lake.arn"),
                    Expr('"${aws_s3_bucket.data_lake.arn}/*"'),
                ],
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        "Firehose's permissions: read the stream, write the lake bucket, use the key.",
        "analytics",
        "firehose",
    )
    bp.add(
        ResourceSpec(
            "aws_kinesis_firehose_delivery_stream",
            "lake",
            "analytics",
            "Delivers the event stream into the data lake, GZIP-compressed, partitioned by date.",
            {
                "name": interp("${local.name}-events-to-lake"),
                "destination": "extended_s3",
                "kinesis_source_configuration": Block(
                    "kinesis_source_configuration",
                    body={
                        "kinesis_stream_arn": Expr("aws_kinesis_stream.events.arn"),
                        "role_arn": Expr("aws_iam_role.firehose.arn"),
                    },
                ),
                "extended_s3_configuration": Block(
                    "extended_s3_configuration",
                    body={
                        "role_arn": Expr("aws_iam_role.firehose.arn"),
                        "bucket_arn": Expr("aws_s3_bucket.data_lake.arn"),
                        "prefix": "events/!{timestamp:yyyy/MM/dd}/",
                        "error_output_prefix": "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
                        "compression_format": "GZIP",
                        "kms_key_arn": Expr("aws_kms_key.main.arn"),
                        "buffering_interval": 300,
                        "buffering_size": 64,
                    },
                ),
                "tags": tags("events-to-lake"),
            },
            comments=(
                "checkov:skip=CKV_AWS_240:A stream read from Kinesis cannot use Firehose-side encryption; the stream and the lake are encrypted with the project key",
                "checkov:skip=CKV_AWS_241:See CKV_AWS_240: encryption is on the Kinesis stream and the S3 objects",
            ),
            block="firehose",
        ),
    )
