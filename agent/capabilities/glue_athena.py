"""AWS Glue and Amazon Athena by name: the catalog database, a crawler that keeps its tables in
step with the lake, and an Athena workgroup with encrypted results. The core data lake may have
declared some of these already; only what is missing is added."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import DATA, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import role
from autcloud.agent.catalog.messaging import add_data_lake
from autcloud.agent.hcl import Block, Expr, jsonencode

BLOCK = "glue_crawler"
LAKE_PARTS = (
    "aws_s3_bucket.data_lake",
    "aws_s3_bucket.athena_results",
    "aws_glue_catalog_database.lake",
    "aws_athena_workgroup.analytics",
    "aws_glue_security_configuration.lake",
)


def build(bp: Blueprint, ctx: Context) -> None:
    if not any(bp.has(address) for address in LAKE_PARTS):
        add_data_lake(bp, ctx)  # bucket, catalog database, workgroup, Glue encryption settings
    missing = [address for address in LAKE_PARTS if not bp.has(address)]
    if missing:  # a partial lake from elsewhere: build the crawler only on what is there
        bp.notes.append(
            "Glue and Athena: the design already has part of a data lake; missing "
            + ", ".join(missing)
            + " were not duplicated."
        )
        if not (bp.has("aws_s3_bucket.data_lake") and bp.has("aws_glue_catalog_database.lake")):
            return
    if bp.has("aws_glue_crawler.lake"):
        return
    bp.blocks.append(BLOCK)
    role(
        bp,
        "glue_crawler",
        "glue.amazonaws.com",
        "The crawler's identity: reads the lake, updates the catalog.",
        "analytics",
        BLOCK,
        ("service-role/AWSGlueServiceRole",),
    )
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            "glue_crawler",
            "analytics",
            "The crawler reads only the lake bucket and decrypts with the project key.",
            {
                "name": "read-lake",
                "role": Expr("aws_iam_role.glue_crawler.id"),
                "policy": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["s3:GetObject", "s3:ListBucket"],
                                "Resource": [
                                    Expr("aws_s3_bucket.data_lake.arn"),
                                    interp("${aws_s3_bucket.data_lake.arn}/*"),
                                ],
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
                                "Resource": Expr("aws_kms_key.main.arn"),
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["logs:AssociateKmsKey"],
                                "Resource": interp(
                                    "arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/crawlers*"
                                ),
                            },
                        ],
                    }
                ),
            },
            block=BLOCK,
        ),
    )
    body: dict[str, Any] = {
        "name": interp("${local.name}-lake"),
        "database_name": Expr("aws_glue_catalog_database.lake.name"),
        "role": Expr("aws_iam_role.glue_crawler.arn"),
        "schedule": "cron(0 1 * * ? *)",
        "s3_target": Block(
            "s3_target", body={"path": interp("s3://${aws_s3_bucket.data_lake.bucket}/")}
        ),
        "tags": tags("lake-crawler"),
    }
    if bp.has("aws_glue_security_configuration.lake"):
        body["security_configuration"] = Expr("aws_glue_security_configuration.lake.name")
    bp.add(
        ResourceSpec(
            "aws_glue_crawler",
            "lake",
            "analytics",
            "Finds new tables and partitions in the lake every night (01:00 UTC) and records them "
            "in the catalog, so Athena sees them; its logs are encrypted.",
            body,
            block=BLOCK,
        )
    )
    bp.out(Output("glue_crawler", "aws_glue_crawler.lake.name", "Glue crawler of the lake."))


CAPABILITY = Capability(
    key="glue_athena",
    summary="A Glue catalog with a crawler and an Athena workgroup.",
    concepts=("service.glue_athena",),
    probes=(
        Probe("aws_glue_crawler"),
        Probe("aws_athena_workgroup"),
        Probe("aws_glue_catalog_database"),
        Probe("aws_glue_job"),
    ),
    category="analytics",
    build=build,
    phase=DATA,
    scanner_types=("aws_glue_crawler", "aws_glue_job"),
)
