"""AWS Security Hub: the account's security posture against AWS Foundational Security Best
Practices (its controls run on AWS Config, which comes with it)."""

from __future__ import annotations

from autcloud.agent.capabilities.base import GOVERNANCE, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp
from autcloud.agent.hcl import Expr


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("security_hub")
    depends = (
        [Expr("aws_config_configuration_recorder_status.main")]
        if bp.has("aws_config_configuration_recorder_status.main")
        else None
    )
    bp.add(
        ResourceSpec(
            "aws_securityhub_account",
            "main",
            "security",
            "Security Hub for the account: one finding per control, new controls on automatically.",
            {
                "enable_default_standards": False,
                "control_finding_generator": "SECURITY_CONTROL",
                "auto_enable_controls": True,
                "depends_on": depends,
            },
            block="security_hub",
        ),
        ResourceSpec(
            "aws_securityhub_standards_subscription",
            "foundational",
            "security",
            "Checks the account against AWS Foundational Security Best Practices.",
            {
                "standards_arn": interp(
                    "arn:aws:securityhub:${var.region}::standards/aws-foundational-security-best-practices/v/1.0.0"
                ),
                "depends_on": [Expr("aws_securityhub_account.main")],
            },
            block="security_hub",
        ),
    )


CAPABILITY = Capability(
    key="security_hub",
    summary="AWS Security Hub with Foundational Security Best Practices.",
    concepts=("service.security_hub",),
    probes=(Probe("aws_securityhub_account"),),
    category="security",
    build=build,
    phase=GOVERNANCE + 1,  # after AWS Config, which its controls need
    requires=("config",),
    scanner_types=("aws_securityhub_account",),
)
