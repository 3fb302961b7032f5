"""Security and audit: one customer-managed KMS key, CloudTrail, alarm notifications."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autcloud.agent.catalog.base import (
    Blueprint,
    Output,
    ResourceSpec,
    Variable,
    from_source,
    gather_statement,
    interp,
    policy_document,
    tags,
)
from autcloud.agent.catalog.storage import (
    add_bucket,
    bucket_policy,
    ensure_caller_identity,
)
from autcloud.agent.datafile import load_yaml
from autcloud.agent.hcl import Block, Call, Expr


def add_kms(bp: Blueprint) -> None:
    """A customer-managed key for everything encrypted at rest, usable by the services that need it."""
    bp.blocks.append("kms")
    account_root = Expr('"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"')
    policy = policy_document(
        [
            {
                "Sid": "AccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "ServicesEncryptWithThisKey",
                "Effect": "Allow",
                "Principal": {
                    "Service": [
                        Expr('"logs.${var.region}.amazonaws.com"'),
                        "cloudtrail.amazonaws.com",
                        "sns.amazonaws.com",
                        "sqs.amazonaws.com",
                        "events.amazonaws.com",
                        "delivery.logs.amazonaws.com",
                    ]
                },
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
            },
        ]
    )
    ensure_caller_identity(bp)
    bp.add(
        ResourceSpec(
            "aws_kms_key",
            "main",
            "security",
            "One customer-managed key encrypts data, logs and messages at rest; rotated yearly.",
            {
                "description": interp("${local.name} data at rest"),
                "enable_key_rotation": True,
                "deletion_window_in_days": 30,
                "policy": policy,
                "tags": tags("kms"),
            },
            block="kms",
        ),
        ResourceSpec(
            "aws_kms_alias",
            "main",
            "security",
            "A readable name for the key.",
            {
                "name": interp("alias/${local.name}"),
                "target_key_id": Expr("aws_kms_key.main.key_id"),
            },
            block="kms",
        ),
    )


def add_audit_trail(bp: Blueprint) -> None:
    """CloudTrail across regions, validated and encrypted, into its own bucket and CloudWatch."""
    # compute declares the roles and imports this module for alarms and log groups
    from autcloud.agent.catalog.compute import role, role_policy

    bp.blocks.append("cloudtrail")
    add_bucket(
        bp, "trail", "Holds CloudTrail's audit log files.", topic="security", log_target=True
    )
    trail_arn = "arn:aws:cloudtrail:${var.region}:${data.aws_caller_identity.current.account_id}:trail/${local.name}"
    _trail_publishes_alerts(bp, trail_arn)
    bucket_policy(
        bp,
        "trail",
        [
            {
                "Sid": "CloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": Expr("aws_s3_bucket.trail.arn"),
                "Condition": {"StringEquals": {"aws:SourceArn": Expr(f'"{trail_arn}"')}},
            },
            {
                "Sid": "CloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": Expr(
                    '"${aws_s3_bucket.trail.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"'
                ),
                "Condition": {
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "aws:SourceArn": Expr(f'"{trail_arn}"'),
                    }
                },
            },
        ],
        "Lets only CloudTrail write audit logs; TLS only.",
        "security",
        "cloudtrail",
    )
    log_group(
        bp,
        "trail",
        "/aws/cloudtrail/${local.name}",
        "Audit events searchable in CloudWatch, encrypted.",
        "security",
        "cloudtrail",
    )
    role(
        bp,
        "trail",
        "cloudtrail.amazonaws.com",
        "Lets CloudTrail deliver to its log group.",
        "security",
        "cloudtrail",
        role_name="cloudtrail",
    )
    role_policy(
        bp,
        "trail",
        "write-trail-logs",
        [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": Expr('"${aws_cloudwatch_log_group.trail.arn}:*"'),
            }
        ],
        "CloudTrail's only permission: its log group.",
        "security",
        "cloudtrail",
    )
    bp.add(
        ResourceSpec(
            "aws_cloudtrail",
            "main",
            "security",
            "Records every API call in every region, with tamper-evident log file validation.",
            {
                "name": Expr("local.name"),
                "s3_bucket_name": Expr("aws_s3_bucket.trail.id"),
                "is_multi_region_trail": True,
                "include_global_service_events": True,
                "enable_log_file_validation": True,
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "cloud_watch_logs_group_arn": Expr('"${aws_cloudwatch_log_group.trail.arn}:*"'),
                "cloud_watch_logs_role_arn": Expr("aws_iam_role.trail.arn"),
                "sns_topic_name": Expr("aws_sns_topic.alerts.name"),
                "event_selector": Block(
                    "event_selector",
                    body={"read_write_type": "All", "include_management_events": True},
                ),
                "depends_on": [
                    Expr("aws_s3_bucket_policy.trail"),
                    Expr("aws_sns_topic_policy.alerts"),
                ],
                "tags": tags("trail"),
            },
            block="cloudtrail",
        ),
    )


def _trail_publishes_alerts(bp: Blueprint, trail_arn: str) -> None:
    # CloudTrail notifies the alarm topic of each log file delivered: without this statement in
    # the topic's policy, AWS refuses the trail (InsufficientSnsTopicPolicyException).
    allow_topic_publish(
        bp,
        "alerts",
        "cloudtrail.amazonaws.com",
        Expr(f'"{trail_arn}"'),
        "CloudTrailNotify",
        "cloudtrail",
    )


def s3_data_event_selector(buckets: list[str]) -> Block:
    """A trail event selector with management events plus S3 object data events for ``buckets``
    (addresses of aws_s3_bucket resources; all buckets of the account when none)."""
    values = [interp(f"${{{address}.arn}}/") for address in buckets] if buckets else ["arn:aws:s3"]
    return Block(
        "event_selector",
        body={
            "read_write_type": "All",
            "include_management_events": True,
            "data_resource": Block(
                "data_resource", body={"type": "AWS::S3::Object", "values": values}
            ),
        },
    )


def add_alerts(bp: Blueprint, emails: list[str]) -> None:
    """An encrypted SNS topic for alarms, with e-mail subscriptions for the people named."""
    bp.blocks.append("alerts")
    # CloudWatch encrypts each alarm notification with the topic's key: without the grant,
    # alarm e-mails are never sent.
    allow_key_use(bp, "cloudwatch.amazonaws.com")
    emails_var = bp.var(
        Variable(
            "alert_emails",
            "list(string)",
            "E-mail addresses that receive alarm notifications.",
            list(emails),
        )
    )
    bp.add(
        ResourceSpec(
            "aws_sns_topic",
            "alerts",
            "observability",
            "Where alarms and audit notices are sent; encrypted.",
            {
                "name": interp("${local.name}-alerts"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "tags": tags("alerts"),
            },
            block="alerts",
        ),
        ResourceSpec(
            "aws_sns_topic_subscription",
            "alert_email",
            "observability",
            "E-mails each address given (each must confirm the subscription once).",
            {
                "for_each": Expr(f"toset({emails_var.text})"),
                "topic_arn": Expr("aws_sns_topic.alerts.arn"),
                "protocol": "email",
                "endpoint": Expr("each.value"),
            },
            block="alerts",
        ),
    )
    bp.out(
        Output("alerts_topic_arn", "aws_sns_topic.alerts.arn", "SNS topic that receives alarms.")
    )


def log_group(
    bp: Blueprint, name: str, path: str, reason: str, topic: str, block: str
) -> ResourceSpec:
    spec = ResourceSpec(
        "aws_cloudwatch_log_group",
        name,
        topic,
        reason,
        {
            "name": interp(path),
            "retention_in_days": Expr("var.log_retention_days"),
            "kms_key_id": Expr("aws_kms_key.main.arn"),
        },
        block=block,
    )
    bp.add(spec)
    return spec


def alarm(
    bp: Blueprint,
    name: str,
    reason: str,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, Expr],
    threshold: float,
    comparison: str = "GreaterThanThreshold",
    statistic: str = "Average",
    periods: int = 3,
    period: int = 300,
    block: str = "alarms",
) -> None:
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_metric_alarm",
            name,
            "observability",
            reason,
            {
                "alarm_name": interp(f"${{local.name}}-{name.replace('_', '-')}"),
                "namespace": namespace,
                "metric_name": metric,
                "statistic": statistic,
                "period": period,
                "evaluation_periods": periods,
                "threshold": threshold,
                "comparison_operator": comparison,
                "dimensions": dimensions,
                "treat_missing_data": "notBreaching",
                "alarm_actions": [Expr("aws_sns_topic.alerts.arn")],
                "ok_actions": [Expr("aws_sns_topic.alerts.arn")],
            },
            block=block,
        )
    )


# The standard alarms, as data: which metric each watches and when it fires.
STANDARD_ALARMS: dict[str, dict[str, Any]] = load_yaml(
    Path(__file__).resolve().parent / "alarms.yaml"
)


def standard_alarm(bp: Blueprint, kind: str, name: str = "") -> None:
    """The alarm ``kind`` of alarms.yaml; ``name`` (the watched resource's) fills its {name}."""
    entry = STANDARD_ALARMS[kind]
    alarm(
        bp,
        entry.get("alarm", kind).format(name=name),
        entry["reason"].format(name=name),
        namespace=entry["namespace"],
        metric=entry["metric"],
        dimensions={
            dimension: Expr(value.format(name=name))
            for dimension, value in entry["dimensions"].items()
        },
        threshold=entry["threshold"],
        **{
            setting: entry[setting]
            for setting in ("comparison", "statistic", "periods", "period", "block")
            if setting in entry
        },
    )


def allow_key_use(bp: Blueprint, service: str) -> None:
    """Lets an AWS service use the project key: one that writes to an encrypted topic or queue
    (CloudWatch alarms, S3 notifications, AWS Budgets) must be able to generate data keys."""
    key = bp.find("aws_kms_key.main")
    if key is None or not isinstance(key.body.get("policy"), Call):
        return
    for statement in key.body["policy"].argument["Statement"]:
        if statement.get("Sid") == "ServicesEncryptWithThisKey":
            services = statement["Principal"]["Service"]
            if isinstance(services, list) and service not in services:
                services.append(service)
            return


def allow_topic_publish(
    bp: Blueprint, topic: str, service: str, source_arn: Expr, sid: str, block: str
) -> None:
    """Lets one AWS service publish to the topic on behalf of one source (aws:SourceArn).

    A topic has one policy: it keeps the account's own rights (alarms publish through them) and
    gathers every service's statement.
    """
    statement = from_source(
        sid, service, "sns:Publish", Expr(f"aws_sns_topic.{topic}.arn"), source_arn
    )
    if gather_statement(bp, f"aws_sns_topic_policy.{topic}", statement):
        return
    ensure_caller_identity(bp)
    owner = {
        "Sid": "AccountOwner",
        "Effect": "Allow",
        "Principal": {
            "AWS": Expr('"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"')
        },
        "Action": [
            "SNS:GetTopicAttributes",
            "SNS:SetTopicAttributes",
            "SNS:Subscribe",
            "SNS:Publish",
            "SNS:ListSubscriptionsByTopic",
        ],
        "Resource": Expr(f"aws_sns_topic.{topic}.arn"),
    }
    bp.add(
        ResourceSpec(
            "aws_sns_topic_policy",
            topic,
            "messaging",
            "Who may publish to the topic: the account, and the named AWS sources by their ARN.",
            {
                "arn": Expr(f"aws_sns_topic.{topic}.arn"),
                "policy": policy_document([owner, statement]),
            },
            block=block,
        )
    )
