"""Amazon GuardDuty: threat detection for the account, findings to the alarm topic."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp
from autcloud.agent.catalog.security import allow_topic_publish
from autcloud.agent.hcl import Expr, jsonencode


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("guardduty")
    bp.add(
        ResourceSpec(
            "aws_guardduty_detector",
            "main",
            "security",
            "Threat detection over CloudTrail, VPC flow logs and DNS logs, findings every 15 minutes.",
            {"enable": True, "finding_publishing_frequency": "FIFTEEN_MINUTES"},
            comments=(
                "checkov:skip=CKV2_AWS_3:One account, no AWS Organizations: there is no delegated administrator to enable it across",
            ),
            block="guardduty",
        ),
        ResourceSpec(
            "aws_cloudwatch_event_rule",
            "guardduty_findings",
            "security",
            "Sends GuardDuty findings of medium severity and above to the alarm topic.",
            {
                "name": interp("${local.name}-guardduty-findings"),
                "event_pattern": jsonencode(
                    {
                        "source": ["aws.guardduty"],
                        "detail-type": ["GuardDuty Finding"],
                        "detail": {"severity": [{"numeric": [">=", 4]}]},
                    }
                ),
            },
            block="guardduty",
        ),
        ResourceSpec(
            "aws_cloudwatch_event_target",
            "guardduty_findings",
            "security",
            "Delivers the findings to the people who get alarms.",
            {
                "rule": Expr("aws_cloudwatch_event_rule.guardduty_findings.name"),
                "arn": Expr("aws_sns_topic.alerts.arn"),
            },
            block="guardduty",
        ),
    )
    # EventBridge encrypts with the topic's key (the project key grants it) and needs the
    # topic's leave to publish; without it every finding is dropped.
    findings = Expr("aws_cloudwatch_event_rule.guardduty_findings.arn")
    allow_topic_publish(
        bp, "alerts", "events.amazonaws.com", findings, "GuardDutyFindings", "guardduty"
    )


CAPABILITY = declare("guardduty", build=build)
