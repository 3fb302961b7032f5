"""Amazon Data Firehose: a delivery stream into S3 (compressed, partitioned by date, encrypted
with the project key, errors under their own prefix). It reads the design's Kinesis stream when
there is one; otherwise producers put records into it directly. When the design has an
OpenSearch domain, the stream loads into it (through the VPC) and backs failed documents up to S3."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import egress, role, role_policy, security_group
from autcloud.agent.catalog.security import log_group
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("firehose")

BLOCK = "firehose_delivery"
STREAM = "aws_kinesis_stream.events"
SEARCH = "aws_opensearch_domain.search"
NAME_KEY = "firehose.name"

_NOT_NAMES = {"is", "the", "a", "to", "stream", "delivery", "and", "with", "that", "which"}
read_name = reader(
    PATTERNS["stream_name"],
    lambda m: (
        None
        if (name := next(g for g in m.groups() if g is not None)).lower() in _NOT_NAMES
        else name.rstrip(".")
    ),
)


def _opensearch_statements() -> list[dict[str, Any]]:
    """What Firehose needs to load into a VPC domain: the domain's HTTP API and its own ENIs."""
    return [
        {
            "Effect": "Allow",
            "Action": [
                "es:DescribeDomain",
                "es:DescribeDomains",
                "es:DescribeDomainConfig",
                "es:ESHttpPost",
                "es:ESHttpPut",
                "es:ESHttpGet",
            ],
            "Resource": [Expr(f"{SEARCH}.arn"), interp(f"${{{SEARCH}.arn}}/*")],
        },
        {
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeNetworkInterfaces",
            ],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:Vpc": Expr("aws_vpc.main.arn")}},
        },
    ]


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
    to_search = bp.has(SEARCH) and bp.has("aws_vpc.main")
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
                "name": "OpenSearchDelivery" if to_search else "S3Delivery",
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
        + (" and the OpenSearch domain" if to_search else "")
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
    if to_search:
        statements += _opensearch_statements()
    role_policy(
        bp,
        "firehose_delivery",
        "deliver-to-opensearch" if to_search else "deliver-to-s3",
        statements,
        "Firehose's permissions: its bucket, the project key, its log group"
        + (", the stream" if from_stream else "")
        + ".",
        "analytics",
        BLOCK,
    )
    stated = ctx.req.params.get(NAME_KEY)
    body: dict[str, Any] = {
        "name": str(stated) if stated else interp("${local.name}-delivery"),
        "destination": "opensearch" if to_search else "extended_s3",
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
    logging = Block(
        "cloudwatch_logging_options",
        body={
            "enabled": True,
            "log_group_name": Expr("aws_cloudwatch_log_group.firehose_delivery.name"),
            "log_stream_name": Expr("aws_cloudwatch_log_stream.firehose_delivery.name"),
        },
    )
    if to_search:
        _search_destination(bp, body, bucket, logging)
    else:
        body["extended_s3_configuration"] = Block(
            "extended_s3_configuration",
            body={
                **_s3_delivery(bucket, "delivery/!{timestamp:yyyy/MM/dd}/", 64),
                "cloudwatch_logging_options": logging,
            },
        )
    body["tags"] = tags("delivery")
    source = (
        "reads the Kinesis stream" if from_stream else "takes records put directly (Direct PUT)"
    )
    delivers = (
        "loads them into the OpenSearch domain (through the VPC) every minute or 5 MB; documents "
        "that fail go to S3, GZIP-compressed, encrypted with the project key."
        if to_search
        else "delivers them to S3 every 5 minutes or 64 MB, GZIP-compressed, "
        "by date, encrypted with the project key; failures under their own prefix."
    )
    bp.add(
        ResourceSpec(
            "aws_kinesis_firehose_delivery_stream",
            "delivery",
            "analytics",
            f"Firehose {source} and {delivers}",
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


def _s3_delivery(bucket: str, prefix: str, buffer_mb: int) -> dict[str, Any]:
    """How Firehose writes to the bucket: under ``prefix``, every 5 minutes or ``buffer_mb`` MB,
    GZIP-compressed, encrypted with the project key; failures under their own prefix."""
    return {
        "role_arn": Expr("aws_iam_role.firehose_delivery.arn"),
        "bucket_arn": Expr(f"aws_s3_bucket.{bucket}.arn"),
        "prefix": prefix,
        "error_output_prefix": "delivery-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
        "compression_format": "GZIP",
        "kms_key_arn": Expr("aws_kms_key.main.arn"),
        "buffering_interval": 300,
        "buffering_size": buffer_mb,
    }


def _search_destination(bp: Blueprint, body: dict[str, Any], bucket: str, logging: Block) -> None:
    """Deliver into the VPC OpenSearch domain: Firehose's own security group reaches the
    domain's HTTPS port; failed documents are backed up to the bucket."""
    security_group(
        bp,
        "firehose",
        "Firehose delivery to OpenSearch",
        "Firehose's network interfaces in the VPC: they only call the search domain over HTTPS.",
        BLOCK,
    ).skip(
        "CKV2_AWS_5",
        "Attached to the delivery stream (opensearch_configuration.vpc_config), a resource this check does not follow",
    )
    egress(
        bp,
        "firehose_to_opensearch",
        "firehose",
        443,
        "Firehose reaches the search domain over HTTPS.",
        target_group="opensearch",
        block=BLOCK,
    )
    body["opensearch_configuration"] = Block(
        "opensearch_configuration",
        body={
            "domain_arn": Expr(f"{SEARCH}.arn"),
            "role_arn": Expr("aws_iam_role.firehose_delivery.arn"),
            "index_name": "logs",
            "index_rotation_period": "OneDay",
            "buffering_interval": 60,
            "buffering_size": 5,
            "retry_duration": 300,
            "s3_backup_mode": "FailedDocumentsOnly",
            "s3_configuration": Block(
                "s3_configuration", body=_s3_delivery(bucket, "failed-documents/", 5)
            ),
            "vpc_config": Block(
                "vpc_config",
                body={
                    "subnet_ids": Expr("aws_opensearch_domain.search.vpc_options[0].subnet_ids"),
                    "security_group_ids": [Expr("aws_security_group.firehose.id")],
                    "role_arn": Expr("aws_iam_role.firehose_delivery.arn"),
                },
            ),
            "cloudwatch_logging_options": logging,
        },
    )
    body["depends_on"] = [Expr("aws_iam_role_policy.firehose_delivery")]


CAPABILITY = declare("firehose", build=build, readers={NAME_KEY: read_name})
