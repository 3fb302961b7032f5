"""AWS Security Hub: the account's security posture against AWS Foundational Security Best
Practices (its controls run on AWS Config, which comes with it)."""

from __future__ import annotations

from collections.abc import Iterator

from autcloud.agent.capabilities.base import EveryValueParameter, declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp
from autcloud.agent.hcl import Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("security_hub")

KEY = "security_hub.standards"
# Standards a person names (by the words in agent/patterns/security_hub.yaml under the
# standard's short name, _NAMES), the standard's ARN path and what it checks.
STANDARDS: dict[str, tuple[str, str]] = {
    "cis-aws-foundations-benchmark": (
        "standards/cis-aws-foundations-benchmark/v/3.0.0",
        "Checks the account against the CIS AWS Foundations Benchmark v3.0.0.",
    ),
    "pci-dss": (
        "standards/pci-dss/v/3.2.1",
        "Checks the account against the PCI DSS v3.2.1 controls.",
    ),
    "nist-800-53": (
        "standards/nist-800-53/v/5.0.0",
        "Checks the account against NIST SP 800-53 Rev. 5.",
    ),
}
_NAMES = {"cis-aws-foundations-benchmark": "cis", "pci-dss": "pci_dss", "nist-800-53": "nist"}


def read_standards(text: str) -> Iterator[tuple[str, list[str]]]:
    """Standards named in the sentence (or the 80 characters after) that names Security Hub."""
    for hub in PATTERNS["hub"].finditer(text):
        start = max(text.rfind(".", 0, hub.start()), text.rfind("\n", 0, hub.start())) + 1
        stop = text.find(".", hub.end())
        window = text[start : stop if stop != -1 else len(text)]
        named = [key for key in STANDARDS if PATTERNS[_NAMES[key]].search(window)]
        if named:
            yield window.strip(), named
            return


class StandardsParameter(EveryValueParameter):
    """Every named standard has a subscription."""


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
    for key in ctx.req.params.get(KEY) or []:
        if key not in STANDARDS:
            continue
        path, why = STANDARDS[key]
        bp.add(
            ResourceSpec(
                "aws_securityhub_standards_subscription",
                _NAMES[key],
                "security",
                why,
                {
                    "standards_arn": interp(f"arn:aws:securityhub:${{var.region}}::{path}"),
                    "depends_on": [Expr("aws_securityhub_account.main")],
                },
                block="security_hub",
            )
        )


CAPABILITY = declare("security_hub", build=build, readers={KEY: read_standards})
