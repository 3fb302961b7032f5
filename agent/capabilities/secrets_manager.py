"""AWS Secrets Manager for application secrets (API keys, tokens): one KMS-encrypted secret the
application's own roles may read. Database passwords are already managed by RDS itself."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import INTEGRATION, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.hcl import Expr, jsonencode


def app_roles(bp: Blueprint) -> list[str]:
    """Names of the IAM roles the application's code runs as (ECS task, Lambda, EC2 instances)."""
    return [
        r.name
        for r in bp.resources
        if r.type == "aws_iam_role"
        and (r.name in ("task", "instance") or r.name.endswith("_lambda"))
    ]


def grant(
    bp: Blueprint, suffix: str, reason: str, statements: list[dict[str, Any]], block: str
) -> None:
    """An inline policy on each application role."""
    for name in app_roles(bp):
        bp.add(
            ResourceSpec(
                "aws_iam_role_policy",
                f"{name}_{suffix}",
                "security",
                reason,
                {
                    "name": suffix.replace("_", "-"),
                    "role": Expr(f"aws_iam_role.{name}.id"),
                    "policy": jsonencode({"Version": "2012-10-17", "Statement": statements}),
                },
                block=block,
            )
        )


def build(bp: Blueprint, ctx: Context) -> None:
    if bp.has("aws_secretsmanager_secret.app"):
        return
    bp.blocks.append("secrets_manager")
    existing = [r.address for r in bp.resources if r.type == "aws_secretsmanager_secret"]
    bp.add(
        ResourceSpec(
            "aws_secretsmanager_secret",
            "app",
            "security",
            "The application's own secrets (API keys, tokens) as one JSON secret, encrypted with the KMS key; "
            "set its value outside Terraform so it never lands in state.",
            {
                "name_prefix": interp("${local.name}/app-"),
                "description": "Application secrets (JSON). Set the value with aws secretsmanager put-secret-value.",
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "recovery_window_in_days": 30,
                "tags": tags("app-secrets"),
            },
            comments=(
                "checkov:skip=CKV2_AWS_57:Third-party API keys rotate at their issuer; add a rotation Lambda per secret that AWS can rotate",
            ),
            block="secrets_manager",
        )
    )
    grant(
        bp,
        "app_secret",
        "Lets the application read its own secret, and nothing else in Secrets Manager.",
        [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": Expr("aws_secretsmanager_secret.app.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        "secrets_manager",
    )
    if existing:
        bp.notes.append(
            "Secrets Manager: database credentials are already managed ("
            + ", ".join(existing)
            + "); an app secret was added for the application's own keys."
        )
    bp.notes.append(
        "Secrets Manager: rotate the app secret at each key's issuer (or add a rotation Lambda); "
        "the value is set outside Terraform."
    )
    bp.out(
        Output(
            "app_secret_arn", "aws_secretsmanager_secret.app.arn", "ARN of the application secret."
        )
    )


CAPABILITY = Capability(
    key="secrets_manager",
    summary="AWS Secrets Manager secret for the application.",
    concepts=("service.secrets_manager",),
    probes=(Probe("aws_secretsmanager_secret"),),
    category="security",
    build=build,
    phase=INTEGRATION,
    scanner_types=("aws_secretsmanager_secret",),
)
