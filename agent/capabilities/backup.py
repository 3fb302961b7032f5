"""AWS Backup: an encrypted vault, a daily plan and a selection of the design's data stores."""

from __future__ import annotations

import re
from typing import Any

from autcloud.agent.capabilities.base import GOVERNANCE, Capability, Parameter, Probe, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.compute import role
from autcloud.agent.hcl import Block, Expr

DEFAULT_RETENTION_DAYS = 35
# Resource types AWS Backup protects, in the order a reader meets them.
PROTECTED_TYPES = (
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_dynamodb_table",
    "aws_efs_file_system",
    "aws_fsx_lustre_file_system",
)
_UNITS = {
    "day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365,
    "일": 1, "주": 7, "주일": 7, "개월": 30, "달": 30, "년": 365,
}  # fmt: skip
_EN_UNIT = r"(days?|weeks?|months?|years?)\b"
_KO_UNIT = r"(일|주일|주|개월|달|년)"


def _days(match: re.Match[str]) -> int | None:
    number, unit = next(
        (match.group(i), match.group(i + 1))
        for i in range(1, (match.lastindex or 0) + 1, 2)
        if match.group(i) is not None
    )
    days = int(number) * _UNITS[unit.lower()]
    return days if 1 <= days <= 36500 else None


_RETENTION = reader(
    rf"(?:keep|retain|store|hold)\s+(?:the\s+|all\s+)?backups?\s+(?:for\s+)?(\d+)\s*{_EN_UNIT}"
    rf"|backups?\s+(?:retention|kept|retained|stored)\s+(?:of\s+|for\s+|is\s+)?(\d+)\s*{_EN_UNIT}"
    rf"|(\d+)[\s-]*(day|week|month|year)s?\s+(?:of\s+)?backups?(?:\s+retention)?\b"
    rf"|백업\S*\s*(?:을|은|는|도)?\s*(\d+)\s*{_KO_UNIT}\s*(?:간|동안)?\s*(?:보관|보존|유지)"
    rf"|(\d+)\s*{_KO_UNIT}\s*(?:간|동안|치)?\s*백업",
    _days,
)


def _protected(bp: Blueprint) -> list[str]:
    return [r.address for r in bp.resources if r.type in PROTECTED_TYPES and not r.data_source]


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("backup")
    stated = ctx.req.params.get("backup.retention_days")
    retention = bp.var(
        Variable(
            "backup_retention_days",
            "number",
            "How many days AWS Backup keeps each recovery point.",
            int(stated) if stated else DEFAULT_RETENTION_DAYS,
            validation=(
                "var.backup_retention_days >= 1",
                "backup_retention_days must be at least 1.",
            ),
        )
    )
    schedule = bp.var(
        Variable(
            "backup_schedule",
            "string",
            "When AWS Backup runs (cron in UTC); daily at 05:00 UTC by default.",
            "cron(0 5 ? * * *)",
        )
    )
    role(
        bp,
        "backup",
        "backup.amazonaws.com",
        "The role AWS Backup assumes to take and restore backups, with AWS's managed backup policies only.",
        "security",
        "backup",
        managed=(
            "service-role/AWSBackupServiceRolePolicyForBackup",
            "service-role/AWSBackupServiceRolePolicyForRestores",
        ),
    )
    bp.add(
        ResourceSpec(
            "aws_backup_vault",
            "main",
            "data",
            "Holds the recovery points, encrypted with the customer-managed key.",
            {
                "name": interp("${local.name}-backups"),
                "kms_key_arn": Expr("aws_kms_key.main.arn"),
                "tags": tags("backups"),
            },
            block="backup",
        ),
        ResourceSpec(
            "aws_backup_plan",
            "main",
            "data",
            f"Backs up daily and keeps each recovery point {stated or DEFAULT_RETENTION_DAYS} days.",
            {
                "name": interp("${local.name}-backup-plan"),
                "rule": Block(
                    "rule",
                    body={
                        "rule_name": "daily",
                        "target_vault_name": Expr("aws_backup_vault.main.name"),
                        "schedule": schedule,
                        "start_window": 60,
                        "completion_window": 360,
                        "lifecycle": Block("lifecycle", body={"delete_after": retention}),
                        "recovery_point_tags": tags("backup"),
                    },
                ),
                "tags": tags("backup-plan"),
            },
            block="backup",
        ),
    )
    protected = _protected(bp)
    selection: dict[str, Any] = {
        "name": interp("${local.name}-data"),
        "iam_role_arn": Expr("aws_iam_role.backup.arn"),
        "plan_id": Expr("aws_backup_plan.main.id"),
    }
    if protected:
        selection["resources"] = [Expr(f"{address}.arn") for address in protected]
        reason = "Puts the design's data stores in the plan: " + ", ".join(protected) + "."
        for address in protected:
            spec = bp.find(address)
            if spec is not None:  # now covered by AWS Backup
                spec.comments = tuple(c for c in spec.comments if "CKV2_AWS_8" not in c)
    else:
        selection["selection_tag"] = Block(
            "selection_tag", body={"type": "STRINGEQUALS", "key": "Backup", "value": "true"}
        )
        reason = (
            "Backs up every resource tagged Backup=true (the design has no database of its own)."
        )
        bp.notes.append(
            "AWS Backup: nothing in the design holds data yet; tag resources Backup=true to include them."
        )
    bp.add(ResourceSpec("aws_backup_selection", "data", "data", reason, selection, block="backup"))
    bp.out(Output("backup_vault_name", "aws_backup_vault.main.name", "AWS Backup vault."))


CAPABILITY = Capability(
    key="backup",
    summary="AWS Backup plan and vault for the design's data.",
    concepts=("service.backup",),
    probes=(Probe("aws_backup_plan"), Probe("aws_backup_vault")),
    category="data",
    build=build,
    phase=GOVERNANCE,
    parameters=(
        Parameter(
            "backup.retention_days",
            "aws_backup_plan",
            "rule.lifecycle.delete_after",
            ">=",
            _RETENTION,
        ),
    ),
    scanner_types=("aws_backup_plan", "aws_backup_vault", "aws_backup_selection"),
)
