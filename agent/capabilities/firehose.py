"""Amazon Data Firehose: a delivery stream into S3 (compressed, partitioned by date, encrypted
with the project key, errors under their own prefix). It reads the design's Kinesis stream when
there is one; otherwise producers put records into it directly."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import INTEGRATION, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import role
from autcloud.agent.catalog.security import log_group
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.hcl import Block, Expr, jsonencode

BLOCK = "firehose_delivery"
STREAM = "aws_kinesis_stream.events"


def build(bp: Blueprint, ctx: Context) -> None:
    if any(r.type == "aws_kinesis_firehose_delivery_stream" for r in bp.resources):
        return  # the core data lake already delivers the stream into the lake
    bp.blocks.append(BLOCK)
    if bp.has("aws_s3_bucket.data_lake"):
        bucket = "data_lake"
    else:
        bucket = "delivery"
        add_bucket(
            bp,
            bucket,
            "Where the delivery stream lands its records, compressed and partitioned by date.",
            topic="analytics",
        )
    from_stream = bp.has(STREAM)
    log_group(
        bp,
        "firehose_delivery",
        "/aws/kinesisfirehose/${local.name}-delivery",
        "Delivery errors of the Firehose stream, encrypted, with bounded retention.",
        "analytics",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_log_stream",
            "firehose_delivery",
            "analytics",
            "The log stream Firehose writes S3 delivery errors to.",
            {
                "name": "S3Delivery",
                "log_group_name": Expr("aws_cloudwatch_log_group.firehose_delivery.name"),
            },
            block=BLOCK,
        )
    )
    role(
        bp,
        "firehose_delivery",
        "firehose.amazonaws.com",
        "Lets Firehose write to its bucket"
        + (" and read the Kinesis stream" if from_stream else "")
        + ", nothing else.",
        "analytics",
        BLOCK,
    )
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": [
                "s3:AbortMultipartUpload",
                "s3:GetBucketLocation",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
                "s3:PutObject",
            ],
            "Resource": [
                Expr(f"aws_s3_bucket.{bucket}.arn"),
                interp(f"${{aws_s3_bucket.{bucket}.arn}}/*"),
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": Expr("aws_kms_key.main.arn"),
        },
        {
            "Effect": "Allow",
            "Action": ["logs:PutLogEvents"],
            "Resource": interp("${aws_cloudwatch_log_group.firehose_delivery.arn}:*"),
        },
    ]
    if from_stream:
        statements.append(
            {
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetShardIterator",
                    "kinesis:GetRecords",
                    "kinesis:ListShards",
                ],
                "Resource": Expr(f"{STREAM}.arn"),
            }
        )
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            "firehose_delivery",
            "analytics",
            "Firehose's permissions: its bucket, the project key, its log group"
            + (", the stream" if from_stream else "")
            + ".",
            {
                "name": "deliver-to-s3",
                "role": Expr("aws_iam_role.firehose_delivery.id"),
                "policy": jsonencode({"Version": "2012-10-17", "Statement": statements}),
            },
            block=BLOCK,
        )
    )
    body: dict[str, Any] = {
        "name": interp("${local.name}-delivery"),
        "destination": "extended_s3",
    }
    comments: tuple[str, ...] = ()
    if from_stream:
        body["kinesis_source_configuration"] = Block(
            "kinesis_source_configuration",
            body={
                "kinesis_stream_arn": Expr(f"{STREAM}.arn"),
                "role_arn": Expr("aws_iam_role.firehose_delivery.arn"),
            },
        )
        comments = (
            "checkov:skip=CKV_AWS_240:A stream read from Kinesis cannot use Firehose-side encryption; the stream and the S3 objects are encrypted with the project key",
            "checkov:skip=CKV_AWS_241:See CKV_AWS_240: encryption is on the Kinesis stream and the S3 objects",
        )
    else:
        body["server_side_encryption"] = Block(
            "server_side_encryption",
            body={
                "enabled": True,
                "key_type": "CUSTOMER_MANAGED_CMK",
                "key_arn": Expr("aws_kms_key.main.arn"),
            },
        )
    body["extended_s3_configuration"] = Block(
        "extended_s3_configuration",
        body={
            "role_arn": Expr("aws_iam_role.firehose_delivery.arn"),
            "bucket_arn": Expr(f"aws_s3_bucket.{bucket}.arn"),
            "prefix": "delivery/!{timestamp:yyyy/MM/dd}/",
            "error_output_prefix": "delivery-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
            "compression_format": "GZIP",
            "kms_key_arn": Expr("aws_kms_key.main.arn"),
            "buffering_interval": 300,
            "buffering_size": 64,
            "cloudwatch_logging_options": Block(
                "cloudwatch_logging_options",
                body={
                    "enabled": True,
                    "log_group_name": Expr("aws_cloudwatch_log_group.firehose_delivery.name"),
                    "log_stream_name": Expr("aws_cloudwatch_log_stream.firehose_delivery.name"),
                },
            ),
        },
    )
    body["tags"] = tags("delivery")
    source = (
        "reads the Kinesis stream" if from_stream else "takes records put directly (Direct PUT)"
    )
    bp.add(
        ResourceSpec(
            "aws_kinesis_firehose_delivery_stream",
            "delivery",
            "analytics",
            f"Firehose {source} and delivers them to S3 every 5 minutes or 64 MB, GZIP-compressed, "
            "by date, encrypted with the project key; failures under their own prefix.",
            body,
            comments=comments,
            block=BLOCK,
        )
    )
    bp.out(
        Output(
            "delivery_stream_name",
            "aws_kinesis_firehose_delivery_stream.delivery.name",
            "Name of the Firehose delivery stream.",
        )
    )


CAPABILITY = Capability(
    key="firehose",
    summary="An Amazon Data Firehose delivery stream into S3.",
    concepts=("service.firehose",),
    probes=(Probe("aws_kinesis_firehose_delivery_stream"),),
    category="analytics",
    build=build,
    phase=INTEGRATION,
    scanner_types=("aws_kinesis_firehose_delivery_stream",),
)
