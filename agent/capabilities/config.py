"""AWS Config: records every resource's configuration history to an encrypted S3 bucket and
evaluates a few baseline managed rules."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp
from autcloud.agent.catalog.compute import role, role_policy
from autcloud.agent.catalog.storage import add_bucket, bucket_policy
from autcloud.agent.hcl import Block, Expr

BLOCK = "config"
# Managed rules every design should pass: (resource name, rule identifier, what it checks).
RULES = (
    ("s3_public_read", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "No S3 bucket allows public reads."),
    ("encrypted_volumes", "ENCRYPTED_VOLUMES", "Every attached EBS volume is encrypted."),
    ("rds_encrypted", "RDS_STORAGE_ENCRYPTED", "Every RDS database is encrypted at rest."),
    ("root_mfa", "ROOT_ACCOUNT_MFA_ENABLED", "The root user has MFA."),
    ("cloudtrail_enabled", "CLOUD_TRAIL_ENABLED", "CloudTrail stays on."),
)


def build(bp: Blueprint, ctx: Context) -> None:
    if bp.has("aws_config_configuration_recorder.main"):
        return
    bp.blocks.append(BLOCK)
    add_bucket(
        bp,
        "config",
        "Holds AWS Config's configuration history and snapshots, encrypted with the KMS key.",
        topic="security",
        transition_to_ia_days=None,
    )
    account = "${data.aws_caller_identity.current.account_id}"
    prefix = Expr(f'"${{aws_s3_bucket.config.arn}}/AWSLogs/{account}/Config/*"')
    source_account = Expr("data.aws_caller_identity.current.account_id")
    bucket_policy(
        bp,
        "config",
        [
            {
                "Sid": "ConfigAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": Expr("aws_s3_bucket.config.arn"),
                "Condition": {"StringEquals": {"AWS:SourceAccount": source_account}},
            },
            {
                "Sid": "ConfigWrite",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": prefix,
                "Condition": {
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "AWS:SourceAccount": source_account,
                    }
                },
            },
        ],
        "Lets only AWS Config of this account write to the bucket; TLS only.",
        "security",
        BLOCK,
    )
    role(
        bp,
        "config",
        "config.amazonaws.com",
        "The role AWS Config records with: AWS's managed read-only recording policy.",
        "security",
        BLOCK,
        managed=("service-role/AWS_ConfigRole",),
    )
    role_policy(
        bp,
        "config",
        "deliver-to-config-bucket",
        [
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": prefix,
                "Condition": {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetBucketAcl"],
                "Resource": Expr("aws_s3_bucket.config.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        "AWS Config's only other permissions: its bucket and the key that encrypts it.",
        "security",
        BLOCK,
        name="config_delivery",
    )
    bp.add(
        ResourceSpec(
            "aws_config_configuration_recorder",
            "main",
            "security",
            "Records the configuration of every supported resource, global ones included.",
            {
                "name": interp("${local.name}-recorder"),
                "role_arn": Expr("aws_iam_role.config.arn"),
                "recording_group": Block(
                    "recording_group",
                    body={"all_supported": True, "include_global_resource_types": True},
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_config_delivery_channel",
            "main",
            "security",
            "Delivers configuration history and a daily snapshot to the encrypted bucket.",
            {
                "name": interp("${local.name}-delivery"),
                "s3_bucket_name": Expr("aws_s3_bucket.config.id"),
                "s3_kms_key_arn": Expr("aws_kms_key.main.arn"),
                "snapshot_delivery_properties": Block(
                    "snapshot_delivery_properties", body={"delivery_frequency": "TwentyFour_Hours"}
                ),
                "depends_on": [
                    Expr("aws_config_configuration_recorder.main"),
                    Expr("aws_s3_bucket_policy.config"),
                ],
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_config_configuration_recorder_status",
            "main",
            "security",
            "Turns the recorder on once it has somewhere to deliver.",
            {
                "name": Expr("aws_config_configuration_recorder.main.name"),
                "is_enabled": True,
                "depends_on": [Expr("aws_config_delivery_channel.main")],
            },
            block=BLOCK,
        ),
    )
    for name, identifier, reason in RULES:
        bp.add(
            ResourceSpec(
                "aws_config_config_rule",
                name,
                "security",
                f"Config rule: {reason}",
                {
                    "name": interp(f"${{local.name}}-{name.replace('_', '-')}"),
                    "source": Block(
                        "source", body={"owner": "AWS", "source_identifier": identifier}
                    ),
                    "depends_on": [Expr("aws_config_configuration_recorder_status.main")],
                },
                block=BLOCK,
            )
        )


CAPABILITY = declare("config", build=build)
