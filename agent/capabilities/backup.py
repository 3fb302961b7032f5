"""AWS Backup: an encrypted vault, a daily plan and a selection of the design's data stores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities._dr_region import ensure_region
from autcloud.agent.capabilities.base import Parameter, declare, reader, sentences_naming
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
from autcloud.agent.ledger import Evidence, attribute_values, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import read_clock, read_days, read_schedule_timezone
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("backup")

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


def _days(match: re.Match[str]) -> int | None:
    number, unit = next(
        (match.group(i), match.group(i + 1))
        for i in range(1, (match.lastindex or 0) + 1, 2)
        if match.group(i) is not None
    )
    days = int(number) * _UNITS[unit.lower()]
    return days if 1 <= days <= 36500 else None


def _retention(text: str) -> Iterator[tuple[str, Any]]:
    """Retention of the daily backups (a "weekly backups kept 1 year" is the weekly rule's)."""
    for match in PATTERNS["retention_pattern"].finditer(text):
        if PATTERNS["periodic"].search(text[max(0, match.start() - 10) : match.start()]):
            continue
        days = _days(match)
        if days is not None:
            yield match.group(0).strip(), days


_WEEKLY = reader(PATTERNS["weekly"], _days)


def _schedule(text: str) -> Iterator[tuple[str, Any]]:
    """A clock time stated with the backups ("back up daily at 03:00 UTC", "매일 새벽 3시에 백업")."""
    for sentence in sentences_naming(PATTERNS["backup_words"], text):
        clock = read_clock(sentence)
        if clock is None:
            continue
        hour, minute = clock
        days = read_days(sentence)
        expression = (
            f"cron({minute} {hour} * * ? *)"
            if days == "*"
            else f"cron({minute} {hour} ? * {days} *)"
        )
        yield sentence.strip(), expression
        return


def _timezone(text: str) -> Iterator[tuple[str, Any]]:
    for quote, expression in _schedule(text):
        zone = read_schedule_timezone(quote, expression)
        if zone and zone != "UTC":
            yield quote, zone


_TAG = reader(PATTERNS["tag"], lambda m: f"{m.group(1)}={m.group(2)}")


@dataclass(frozen=True)
class TagParameter(Parameter):
    """``key=value``: a selection picks resources by that tag."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        key, _, wanted = str(value).partition("=")
        for address, body in instances(module, self.type):
            keys = [str(v) for v in attribute_values(module, body, "selection_tag.key")]
            values = [str(v) for v in attribute_values(module, body, "selection_tag.value")]
            if key in keys and wanted in values:
                return [
                    Evidence(
                        address=address, attribute="selection_tag.value", op="==", value=wanted
                    )
                ]
        return []


_COPY = reader(PATTERNS["copy"], lambda m: _region_code(m.group(1) or m.group(2)))


def _region_code(words: str) -> str | None:
    from autcloud.agent.regions import find_region

    region = find_region(words)
    return region.code if region else None


# Checkov's "is in a backup plan" checks, which look for the resource's ARN in a selection.
_PLAN_CHECKS = {
    "aws_efs_file_system": ("CKV2_AWS_18",),
    "aws_rds_cluster": ("CKV2_AWS_8",),
    "aws_db_instance": (),
    "aws_dynamodb_table": (),
}


def _protected(bp: Blueprint) -> list[str]:
    return [r.address for r in bp.resources if r.type in PROTECTED_TYPES and not r.data_source]


def _rule(
    name: str, schedule: Expr | str, keep: Expr | int, tag: str, copied: bool, zone: Any = None
) -> Block:
    """A backup plan rule: back up on ``schedule`` (in ``zone``, else UTC) into the vault and keep
    each recovery point ``keep`` days; with ``copied``, a copy as long in the other region's vault."""
    lifecycle = Block("lifecycle", body={"delete_after": keep})
    copy = Block(
        "copy_action",
        body={"destination_vault_arn": Expr("aws_backup_vault.dr.arn"), "lifecycle": lifecycle},
    )
    return Block(
        "rule",
        body={
            "rule_name": name,
            "target_vault_name": Expr("aws_backup_vault.main.name"),
            "schedule": schedule,
            "schedule_expression_timezone": zone,
            "start_window": 60,
            "completion_window": 360,
            "lifecycle": lifecycle,
            "copy_action": copy if copied else None,
            "recovery_point_tags": tags(tag),
        },
    )


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
    params = ctx.req.params
    zone = params.get("backup.timezone")
    schedule = bp.var(
        Variable(
            "backup_schedule",
            "string",
            f"When AWS Backup runs (cron in {zone or 'UTC'}); daily at 05:00 UTC by default.",
            str(params.get("backup.schedule") or "cron(0 5 ? * * *)"),
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
    copy_region = params.get("backup.copy_region")
    copied = bool(copy_region and copy_region != ctx.req.region)
    if copied:
        alias = ensure_region(bp, str(copy_region))
        bp.add(
            ResourceSpec(
                "aws_backup_vault",
                "dr",
                "data",
                f"Holds copies of every recovery point in {copy_region}, encrypted with that region's key.",
                {
                    "provider": Expr(f"aws.{alias}"),
                    "name": interp("${local.name}-backups-dr"),
                    "kms_key_arn": Expr(f"aws_kms_key.{alias}.arn"),
                    "tags": tags("backups-dr"),
                },
                block="backup",
            )
        )
    rules = [_rule("daily", schedule, retention, "backup", copied, zone)]
    weekly = params.get("backup.weekly_retention_days")
    if weekly:
        rules.append(_rule("weekly", "cron(0 5 ? * SUN *)", int(weekly), "backup-weekly", copied))
    said = f"Backs up daily and keeps each recovery point {stated or DEFAULT_RETENTION_DAYS} days"
    if weekly:
        said += f", weekly ones {int(weekly)} days"
    if copied:
        said += f", copying each to {copy_region}"
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
            said + ".",
            {
                "name": interp("${local.name}-backup-plan"),
                "rule": rules if len(rules) > 1 else rules[0],
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
    tag = params.get("backup.selection_tag")
    if isinstance(tag, str) and "=" in tag:
        tag_key, _, tag_value = tag.partition("=")
        selection["selection_tag"] = Block(
            "selection_tag",
            body={"type": "STRINGEQUALS", "key": tag_key, "value": tag_value},
        )
        reason = f"Backs up every resource tagged {tag}, as asked."
        for address in protected:  # the design's own data stores carry the tag, so they are in
            spec = bp.find(address)
            if spec is None or not isinstance(spec.body.get("tags"), dict):
                continue
            spec.body["tags"] = {**spec.body["tags"], tag_key: tag_value}
            spec.unskip("CKV2_AWS_8", "CKV2_AWS_18")
            for check in _PLAN_CHECKS.get(spec.type, ()):
                spec.skip(
                    check,
                    f"In the AWS Backup plan through its {tag} tag (a tag selection), which this check does not follow",
                )
    elif protected:
        selection["resources"] = [Expr(f"{address}.arn") for address in protected]
        reason = "Puts the design's data stores in the plan: " + ", ".join(protected) + "."
        for address in protected:
            spec = bp.find(address)
            if spec is not None:  # now covered by AWS Backup
                spec.unskip("CKV2_AWS_8")
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


CAPABILITY = declare(
    "backup",
    build=build,
    readers={
        "backup.retention_days": _retention,
        "backup.schedule": _schedule,
        "backup.timezone": _timezone,
        "backup.weekly_retention_days": _WEEKLY,
        "backup.selection_tag": _TAG,
        "backup.copy_region": _COPY,
    },
)
