"""CloudWatch Logs retention as stated for the logs a request names ("flow logs to CloudWatch kept
90 days", "컨테이너 로그는 CloudWatch에 90일 보관", "로그 그룹 보관 기간 2년(731일)").

The core reads the plain forms ("keep logs for 30 days"); this reads a retention stated after the
log's destination, sets ``var.log_retention_days`` (every log group of the design uses it), rounded
up to a period CloudWatch accepts. A stated period under a year is the user's decision, so the
log groups then carry a checkov skip for the one-year check naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import RETENTION_UNITS, Requirements, log_retention_period

PATTERNS = patterns("log_retention")

KEY = "logs.retention_days"
VARIABLE = "log_retention_days"
YEAR = 365


def read(text: str) -> Iterator[tuple[str, Any]]:
    for pattern in PATTERNS.each("retention"):
        match = pattern.search(text)
        if match is None:
            continue
        groups = [g for g in match.groups() if g is not None]
        number, unit = groups[-2], groups[-1]
        days = int(number) * RETENTION_UNITS[unit.lower()]
        if days >= 1:
            yield match.group(0).strip(), log_retention_period(days)
            return


def _stated(req: Requirements) -> int | None:
    value = req.params.get(KEY)
    return int(value) if isinstance(value, int | float) else None


def build(bp: Blueprint, ctx: Context) -> None:
    days = _stated(ctx.req) or ctx.req.log_retention_days
    variable = bp.variables.get(VARIABLE)
    if variable is not None and _stated(ctx.req) is not None:
        bp.variables[VARIABLE] = replace(variable, default=days)
    if days >= YEAR:
        return
    skip = f"checkov:skip=CKV_AWS_338:The request states {days}-day log retention"
    for spec in bp.resources:
        if spec.type == "aws_cloudwatch_log_group" and skip not in spec.comments:
            spec.comments = (*spec.comments, skip)


def _applies(req: Requirements) -> bool:
    return _stated(req) is not None or req.log_retention_days < YEAR


CAPABILITY = declare("log_retention", build=build, readers={KEY: read}, applies=_applies)
