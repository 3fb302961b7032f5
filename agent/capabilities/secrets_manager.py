"""AWS Secrets Manager for application secrets (API keys, tokens): one KMS-encrypted secret the
application's own roles may read. Database passwords are already managed by RDS itself."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.patterns import patterns

PATTERNS = patterns("secrets_manager")


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


ROTATION_KEY = "secrets.rotation_days"
read_rotation = reader(
    PATTERNS["rotation"],
    lambda m: next((int(g) for g in m.groups() if g is not None and 1 <= int(g) <= 365), None),
)
_MANAGED = ("aws_rds_cluster.main", "aws_db_instance.main")


def _rotate(bp: Blueprint, ctx: Context) -> None:
    """Rotates the database's managed credentials on the stated schedule (managed rotation)."""
    days = ctx.req.params.get(ROTATION_KEY)
    if not isinstance(days, int) or bp.has("aws_secretsmanager_secret_rotation.database"):
        return
    owner = next((a for a in _MANAGED if bp.has(a)), None)
    if owner is None:
        bp.notes.append(
            f"Secrets Manager: rotation every {days} days needs a rotation Lambda for the app "
            "secret (its keys rotate at their issuer); the database credentials rotate when there "
            "is a database."
        )
        return
    bp.add(
        ResourceSpec(
            "aws_secretsmanager_secret_rotation",
            "database",
            "security",
            f"Rotates the database credentials every {days} days (RDS-managed rotation, no Lambda).",
            {
                "secret_id": Expr(f"{owner}.master_user_secret[0].secret_arn"),
                "rotation_rules": Block("rotation_rules", body={"automatically_after_days": days}),
            },
            block="secrets_manager",
        )
    )


def build(bp: Blueprint, ctx: Context) -> None:
    _rotate(bp, ctx)
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


CAPABILITY = declare("secrets_manager", build=build, readers={ROTATION_KEY: read_rotation})
