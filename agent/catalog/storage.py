"""S3 buckets with every safe default: encrypted, versioned, private, logged, lifecycled."""

from __future__ import annotations

from typing import Any

from autcloud.agent.catalog.base import (
    Blueprint,
    Output,
    ResourceSpec,
    deny_without_tls,
    policy_document,
    tags,
)
from autcloud.agent.hcl import Block, Call, Expr

REPLICATION_SKIP = "checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; versioning and backups cover a startup baseline"
NOTIFICATION_SKIP = (
    "checkov:skip=CKV2_AWS_62:No consumer needs object events yet; add a notification when one does"
)


ACCESS_LOGS_POLICY = "aws_s3_bucket_policy.access_logs"


BUCKET_PREFIX_MAX = 37


def deny_insecure_transport(bucket: str) -> dict[str, Any]:
    """The bucket-policy statement every policy of ours carries: no request without TLS."""
    arn = f"aws_s3_bucket.{bucket}.arn"
    return deny_without_tls(
        "DenyInsecureTransport", "*", "s3:*", [Expr(arn), Expr(f'"${{{arn}}}/*"')]
    )


def bucket_policy(
    bp: Blueprint,
    bucket: str,
    statements: list[dict[str, Any]],
    reason: str,
    topic: str,
    block: str,
) -> None:
    """Our bucket's policy: ``statements``, and no request without TLS."""
    bp.add(
        ResourceSpec(
            "aws_s3_bucket_policy",
            bucket,
            topic,
            reason,
            {
                "bucket": Expr(f"aws_s3_bucket.{bucket}.id"),
                "policy": policy_document([*statements, deny_insecure_transport(bucket)]),
            },
            block=block,
        )
    )


def load_balancer_access_logs(prefix: str) -> dict[str, Any]:
    """A load balancer's access_logs, under ``prefix`` in the access-log bucket, and the wait for
    the bucket policy that lets the load balancer write there (the body of ``aws_lb``)."""
    return {
        "access_logs": Block(
            "access_logs",
            body={
                "bucket": Expr("aws_s3_bucket.access_logs.id"),
                "prefix": prefix,
                "enabled": True,
            },
        ),
        "depends_on": [Expr(ACCESS_LOGS_POLICY)],
    }


def allow_load_balancer_logs(bp: Blueprint, prefix: str, sid: str, block: str) -> None:
    """Lets the region's load-balancer account write access logs under ``prefix`` in the
    access-log bucket (statement ``sid`` of its policy)."""
    if not bp.has("data.aws_elb_service_account.main"):
        bp.add(
            ResourceSpec(
                "aws_elb_service_account",
                "main",
                "compute",
                "The regional load-balancer account that writes access logs.",
                data_source=True,
                block=block,
            )
        )
    allow_access_log_delivery(
        bp,
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": Expr("data.aws_elb_service_account.main.arn")},
            "Action": "s3:PutObject",
            "Resource": Expr(f'"${{aws_s3_bucket.access_logs.arn}}/{prefix}/*"'),
        },
    )


def ensure_access_logs(bp: Blueprint) -> None:
    """The bucket that receives S3, load balancer and CloudFront access logs (SSE-S3: they
    require it), with a policy that lets S3's logging service write into it: without one, S3
    refuses to log there (InvalidTargetBucketForLogging)."""
    if bp.has("aws_s3_bucket.access_logs"):
        return
    add_bucket(
        bp,
        "access_logs",
        "Receives access logs: S3 server logs, load balancer and CloudFront logs.",
        topic="storage",
        log_target=True,
        transition_to_ia_days=None,
        sse_kms=False,
    )
    ensure_caller_identity(bp)
    bucket_policy(
        bp,
        "access_logs",
        [
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": Expr('"${aws_s3_bucket.access_logs.arn}/*"'),
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": Expr("data.aws_caller_identity.current.account_id")
                    }
                },
            }
        ],
        "Lets the log services of this account deliver access logs; TLS only.",
        "storage",
        "s3",
    )


def accept_acl_log_delivery(bp: Blueprint) -> None:
    """CloudFront standard logs arrive through an ACL grant to the awslogsdelivery account, which
    a bucket with ACLs off (BucketOwnerEnforced) refuses: the access-log bucket keeps ACLs on,
    objects still owned by the bucket owner (BucketOwnerPreferred)."""
    ensure_access_logs(bp)
    controls = bp.find("aws_s3_bucket_ownership_controls.access_logs")
    if controls is None:
        return
    controls.body["rule"] = Block("rule", body={"object_ownership": "BucketOwnerPreferred"})
    controls.reason = (
        "The bucket owner owns every object; ACLs stay on only because CloudFront delivers its "
        "standard logs through one."
    )
    controls.comments = (
        "checkov:skip=CKV2_AWS_65:CloudFront standard logging writes through an ACL grant; "
        "objects stay owned by the bucket owner",
    )


def allow_access_log_delivery(bp: Blueprint, *statements: dict[str, Any]) -> None:
    """Add statements (a load balancer's log delivery) to the access-log bucket's policy."""
    ensure_access_logs(bp)
    policy = bp.find(ACCESS_LOGS_POLICY)
    if policy is None or not isinstance(policy.body["policy"], Call):
        raise RuntimeError(f"{ACCESS_LOGS_POLICY} is not a jsonencode() document")
    document = policy.body["policy"].argument
    known = {statement.get("Sid") for statement in document["Statement"]}
    document["Statement"][0:0] = [s for s in statements if s.get("Sid") not in known]


def ensure_caller_identity(bp: Blueprint) -> None:
    if not bp.has("data.aws_caller_identity.current"):
        bp.add(
            ResourceSpec(
                "aws_caller_identity",
                "current",
                "security",
                "The account ID, for key policies and ARNs, read instead of hard-coded.",
                data_source=True,
                block="kms",
            )
        )


def add_bucket(
    bp: Blueprint,
    name: str,
    reason: str,
    *,
    topic: str = "storage",
    log_target: bool = False,
    expire_noncurrent_days: int = 90,
    transition_to_ia_days: int | None = 30,
    force_destroy: bool = False,
    sse_kms: bool = True,
    region_alias: str | None = None,
    replica_of: str | None = None,
    object_lock: bool = False,
) -> None:
    """A bucket and its companions. ``log_target`` buckets hold logs and are not logged themselves.

    ``region_alias`` puts the bucket (and everything of it) in another region through that
    provider alias, encrypted with that region's key (``aws_kms_key.<alias>``); access logs can
    only go to a bucket of the same region, so it is not logged. ``replica_of`` names the bucket
    it is the replication destination of.
    """
    logged = not log_target and region_alias is None
    if logged:
        ensure_access_logs(bp)
    comments = [
        f"checkov:skip=CKV_AWS_144:This bucket is itself the replica of {replica_of}"
        if replica_of
        else REPLICATION_SKIP,
        NOTIFICATION_SKIP,
    ]
    if log_target:
        comments.append(
            "checkov:skip=CKV_AWS_18:This bucket is a log destination; logging it to itself would loop"
        )
    elif region_alias:
        comments.append(
            "checkov:skip=CKV_AWS_18:Access logs must go to a bucket of the same region; the source bucket's requests are logged"
        )
    provider = {"provider": Expr(f"aws.{region_alias}")} if region_alias else {}
    key = Expr(f"aws_kms_key.{region_alias}.arn" if region_alias else "aws_kms_key.main.arn")
    if not sse_kms:
        comments.append(
            "checkov:skip=CKV_AWS_145:S3 server access logs can only be delivered to SSE-S3 buckets"
        )
    encryption: dict[str, object] = (
        {"sse_algorithm": "aws:kms", "kms_master_key_id": key}
        if sse_kms
        else {"sse_algorithm": "AES256"}
    )
    bucket = f"aws_s3_bucket.{name}"
    bp.add(
        ResourceSpec(
            "aws_s3_bucket",
            name,
            topic,
            reason,
            {
                **provider,
                # AWS adds 26 characters to a prefix of at most 37: capped, so that any project
                # name the project variable allows still makes a valid bucket name.
                "bucket_prefix": Expr(
                    f'substr("${{local.name}}-{name.replace("_", "-")}-", 0, {BUCKET_PREFIX_MAX})'
                ),
                "object_lock_enabled": True if object_lock else None,
                "force_destroy": force_destroy,
                "tags": tags(name.replace("_", "-")),
            },
            comments=tuple(comments),
            block="s3",
        ),
        ResourceSpec(
            "aws_s3_bucket_public_access_block",
            name,
            topic,
            "Blocks every form of public access to the bucket.",
            {
                **provider,
                "bucket": Expr(f"{bucket}.id"),
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
            block="s3",
        ),
        ResourceSpec(
            "aws_s3_bucket_ownership_controls",
            name,
            topic,
            "The bucket owner owns every object; ACLs stay off.",
            {
                **provider,
                "bucket": Expr(f"{bucket}.id"),
                "rule": Block("rule", body={"object_ownership": "BucketOwnerEnforced"}),
            },
            block="s3",
        ),
        ResourceSpec(
            "aws_s3_bucket_versioning",
            name,
            topic,
            "Keeps earlier versions, so deletes and overwrites can be undone.",
            {
                **provider,
                "bucket": Expr(f"{bucket}.id"),
                "versioning_configuration": Block(
                    "versioning_configuration", body={"status": "Enabled"}
                ),
            },
            block="s3",
        ),
        ResourceSpec(
            "aws_s3_bucket_server_side_encryption_configuration",
            name,
            topic,
            "Encrypts every object at rest (the customer-managed KMS key where the service allows it).",
            {
                **provider,
                "bucket": Expr(f"{bucket}.id"),
                "rule": Block(
                    "rule",
                    body={
                        "apply_server_side_encryption_by_default": Block(
                            "apply_server_side_encryption_by_default", body=encryption
                        ),
                        "bucket_key_enabled": sse_kms or None,
                    },
                ),
            },
            block="s3",
        ),
    )
    rule: dict[str, object] = {
        "id": "tidy-up",
        "status": "Enabled",
        "filter": Block("filter", body={"prefix": ""}),
        "abort_incomplete_multipart_upload": Block(
            "abort_incomplete_multipart_upload", body={"days_after_initiation": 7}
        ),
        "noncurrent_version_expiration": Block(
            "noncurrent_version_expiration", body={"noncurrent_days": expire_noncurrent_days}
        ),
    }
    if transition_to_ia_days:
        rule["transition"] = Block(
            "transition", body={"days": transition_to_ia_days, "storage_class": "STANDARD_IA"}
        )
    bp.add(
        ResourceSpec(
            "aws_s3_bucket_lifecycle_configuration",
            name,
            topic,
            "Expires old versions and unfinished uploads, and moves cold objects to cheaper storage.",
            {**provider, "bucket": Expr(f"{bucket}.id"), "rule": Block("rule", body=rule)},
            block="s3",
        )
    )
    if logged:
        bp.add(
            ResourceSpec(
                "aws_s3_bucket_logging",
                name,
                topic,
                "Records every request to the bucket in the access-log bucket.",
                {
                    **provider,
                    "bucket": Expr(f"{bucket}.id"),
                    "target_bucket": Expr("aws_s3_bucket.access_logs.id"),
                    "target_prefix": f"{name}/",
                    # S3 checks, when logging is turned on, that the target lets it write.
                    "depends_on": [Expr(ACCESS_LOGS_POLICY)],
                },
                block="s3",
            )
        )
    bp.out(
        Output(
            f"{name}_bucket", f"{bucket}.bucket", f"Name of the {name.replace('_', ' ')} bucket."
        )
    )
