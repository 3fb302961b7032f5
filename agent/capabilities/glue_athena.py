"""AWS Glue and Amazon Athena by name: the catalog database, a crawler that keeps its tables in
step with the lake, and an Athena workgroup with encrypted results. The core data lake may have
declared some of these already; only what is missing is added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import role, role_policy
from autcloud.agent.catalog.messaging import add_data_lake
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import read_schedule, read_schedule_timezone

PATTERNS = patterns("glue_athena")

BLOCK = "glue_crawler"
LAKE_PARTS = (
    "aws_s3_bucket.data_lake",
    "aws_s3_bucket.athena_results",
    "aws_glue_catalog_database.lake",
    "aws_athena_workgroup.analytics",
    "aws_glue_security_configuration.lake",
)


JOB_BLOCK = "glue_job"
_GLUE_SERVICE_ROLE = "service-role/AWSGlueServiceRole"
WORKER_TYPES = ("G.025X", "G.1X", "G.2X", "G.4X", "G.8X", "Standard")
GLUE_VERSIONS = ("2.0", "3.0", "4.0", "5.0")


def _lake_identity(
    bp: Blueprint,
    name: str,
    block: str,
    says: str,
    policy: str,
    allows: str,
    s3_actions: list[str],
    log_groups: str,
) -> None:
    """The role a Glue job or crawler runs as (``name``, with AWSGlueServiceRole) and its inline
    ``policy``: ``s3_actions`` on the lake bucket, use the project key, and encrypt its log groups
    (``/aws-glue/<log_groups>``) with it."""
    role(bp, name, "glue.amazonaws.com", says, "analytics", block, (_GLUE_SERVICE_ROLE,))
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": s3_actions,
            "Resource": [
                Expr("aws_s3_bucket.data_lake.arn"),
                interp("${aws_s3_bucket.data_lake.arn}/*"),
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
            "Resource": Expr("aws_kms_key.main.arn"),
        },
        {
            "Effect": "Allow",
            "Action": ["logs:AssociateKmsKey"],
            "Resource": interp(
                "arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}"
                f":log-group:/aws-glue/{log_groups}"
            ),
        },
    ]
    role_policy(bp, name, policy, statements, allows, "analytics", block)


def _lake_security(bp: Blueprint) -> dict[str, Any]:
    """The lake's security configuration (encrypted logs) for a Glue job or crawler, when the
    design has one."""
    if bp.has("aws_glue_security_configuration.lake"):
        return {"security_configuration": Expr("aws_glue_security_configuration.lake.name")}
    return {}


def _read_job(text: str) -> Iterator[tuple[str, Any]]:
    match = PATTERNS["job"].search(text)
    if match and PATTERNS["glue"].search(text):
        yield match.group(0).strip(), "glueetl"


def _version(match: re.Match[str]) -> str | None:
    version = match.group(1) or match.group(2)
    return version if version in GLUE_VERSIONS else None


def _worker_count(match: re.Match[str]) -> int | None:
    count = int(match.group(1) or match.group(2))
    return count if 2 <= count <= 299 else None


_read_version = reader(PATTERNS["version"], _version)
# A worker type (G.1X) is a machine format: its pattern stays here.
_read_worker_type = only_about(
    PATTERNS["glue"],
    reader(re.compile(r"\b(G\.(?:025|1|2|4|8)X)\b", re.I), lambda m: m.group(1).upper()),
)
_read_workers = only_about(PATTERNS["glue"], reader(PATTERNS["workers"], _worker_count))


def _read_schedule(text: str) -> Iterator[tuple[str, Any]]:
    """When a Glue job runs ("runs at 01:30 UTC every night"), as a UTC cron for its trigger."""
    job, when = PATTERNS["job"].search(text), PATTERNS["when"].search(text)
    if not (job and when and PATTERNS["glue"].search(text)):
        return
    expression = read_schedule(text)
    if expression is None:
        return
    schedule = _utc_cron(expression, read_schedule_timezone(text, expression))
    if schedule is not None:
        yield when.group(0).strip(), schedule


_OFFSETS = {"Asia/Seoul": 9, "Asia/Tokyo": 9, "UTC": 0, "Etc/UTC": 0}


def _utc_cron(expression: str, timezone: str | None) -> str | None:
    """Glue triggers run on UTC: a daily clock time in a fixed-offset zone is moved to UTC."""
    if timezone is None or not expression.startswith("cron("):
        return expression
    offset = _OFFSETS.get(timezone)
    if offset is None:
        return None
    fields = expression[5:-1].split()
    if len(fields) != 6 or not fields[1].isdigit():
        return None
    hour = int(fields[1]) - offset
    if hour < 0 and fields[4] not in ("*", "?"):
        return None  # a named weekday would move to the day before: not attempted
    fields[1] = str(hour % 24)
    return f"cron({' '.join(fields)})"


def _glue_job(bp: Blueprint, ctx: Context) -> None:
    if bp.has("aws_glue_job.etl") or not bp.has("aws_s3_bucket.data_lake"):
        return
    params = ctx.req.params
    bp.blocks.append(JOB_BLOCK)
    _lake_identity(
        bp,
        "glue_job",
        JOB_BLOCK,
        "The ETL job's identity: reads and writes the lake, logs to CloudWatch.",
        "lake-etl",
        "The job reads its script and the lake, writes its output back, and uses the project key.",
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
        "*",
    )
    version = params.get("glue.version") or "4.0"
    worker_type = params.get("glue.worker_type") or "G.1X"
    workers = params.get("glue.workers") or 2
    body: dict[str, Any] = {
        "name": interp("${local.name}-etl"),
        "role_arn": Expr("aws_iam_role.glue_job.arn"),
        "glue_version": version,
        "worker_type": worker_type,
        "number_of_workers": workers,
        "timeout": 120,
        "command": Block(
            "command",
            body={
                "name": "glueetl",
                "python_version": "3",
                "script_location": interp("s3://${aws_s3_bucket.data_lake.bucket}/scripts/etl.py"),
            },
        ),
        "default_arguments": {
            "--job-language": "python",
            "--enable-continuous-cloudwatch-log": "true",
            "--enable-metrics": "true",
            "--TempDir": interp("s3://${aws_s3_bucket.data_lake.bucket}/tmp/"),
        },
        "tags": tags("lake-etl"),
        **_lake_security(bp),
    }
    bp.add(
        ResourceSpec(
            "aws_glue_job",
            "etl",
            "analytics",
            f"The Spark ETL job (Glue {version}, {workers} x {worker_type} workers); its PySpark "
            "script lives under scripts/ in the lake bucket (upload etl.py there).",
            body,
            block=JOB_BLOCK,
        )
    )
    bp.out(Output("glue_job", "aws_glue_job.etl.name", "Glue ETL job."))
    expression = ctx.req.schedule_expression
    schedule = params.get("glue.schedule")
    if schedule is None and expression:
        schedule = _utc_cron(expression, ctx.req.schedule_timezone)
    if schedule is None:
        if not expression:
            return
        bp.notes.append(
            f"Glue ETL job: the schedule {expression} ({ctx.req.schedule_timezone}) could not be "
            "moved to UTC for a Glue trigger; the job starts on demand."
        )
        return
    bp.add(
        ResourceSpec(
            "aws_glue_trigger",
            "etl",
            "analytics",
            f"Starts the ETL job on schedule ({schedule}, UTC).",
            {
                "name": interp("${local.name}-etl-schedule"),
                "type": "SCHEDULED",
                "schedule": schedule,
                "actions": Block("actions", body={"job_name": Expr("aws_glue_job.etl.name")}),
                "tags": tags("lake-etl-schedule"),
            },
            block=JOB_BLOCK,
        )
    )


JOB_KEYS = ("glue.job", "glue.version", "glue.worker_type", "glue.workers", "glue.schedule")


def build(bp: Blueprint, ctx: Context) -> None:
    _build_lake(bp, ctx)
    if any(key in ctx.req.params for key in JOB_KEYS):
        _glue_job(bp, ctx)


def _build_lake(bp: Blueprint, ctx: Context) -> None:
    if not any(bp.has(address) for address in LAKE_PARTS):
        add_data_lake(bp, ctx)  # bucket, catalog database, workgroup, Glue encryption settings
    missing = [address for address in LAKE_PARTS if not bp.has(address)]
    if missing:  # a partial lake from elsewhere: build the crawler only on what is there
        bp.notes.append(
            "Glue and Athena: the design already has part of a data lake; missing "
            + ", ".join(missing)
            + " were not duplicated."
        )
        if not (bp.has("aws_s3_bucket.data_lake") and bp.has("aws_glue_catalog_database.lake")):
            return
    if bp.has("aws_glue_crawler.lake"):
        return
    bp.blocks.append(BLOCK)
    _lake_identity(
        bp,
        "glue_crawler",
        BLOCK,
        "The crawler's identity: reads the lake, updates the catalog.",
        "read-lake",
        "The crawler reads only the lake bucket and decrypts with the project key.",
        ["s3:GetObject", "s3:ListBucket"],
        "crawlers*",
    )
    body: dict[str, Any] = {
        "name": interp("${local.name}-lake"),
        "database_name": Expr("aws_glue_catalog_database.lake.name"),
        "role": Expr("aws_iam_role.glue_crawler.arn"),
        "schedule": "cron(0 1 * * ? *)",
        "s3_target": Block(
            "s3_target", body={"path": interp("s3://${aws_s3_bucket.data_lake.bucket}/")}
        ),
        "tags": tags("lake-crawler"),
        **_lake_security(bp),
    }
    bp.add(
        ResourceSpec(
            "aws_glue_crawler",
            "lake",
            "analytics",
            "Finds new tables and partitions in the lake every night (01:00 UTC) and records them "
            "in the catalog, so Athena sees them; its logs are encrypted.",
            body,
            block=BLOCK,
        )
    )
    bp.out(Output("glue_crawler", "aws_glue_crawler.lake.name", "Glue crawler of the lake."))


CAPABILITY = declare(
    "glue_athena",
    build=build,
    readers={
        "glue.job": _read_job,
        "glue.version": _read_version,
        "glue.worker_type": _read_worker_type,
        "glue.workers": _read_workers,
        "glue.schedule": _read_schedule,
    },
)
