"""S3 Object Lock (WORM): objects in the main data bucket cannot be overwritten or deleted for a
retention period, in GOVERNANCE mode (privileged users may lift it) or COMPLIANCE mode (no one can)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare, reader
from autcloud.agent.capabilities.s3_lifecycle import ensure_data_bucket
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.ledger import Evidence, attribute_values, instances, resolve
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("s3_object_lock")

DEFAULT_DAYS = 30
_UNITS = {"day": 1, "days": 1, "year": 365, "years": 365, "일": 1, "년": 365}


@dataclass(frozen=True)
class LockDaysParameter(Parameter):
    """A retention in days, held by ``days`` or by whole ``years`` (365 days each)."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        for address, body in instances(module, self.type):
            for attribute, scale in (
                ("rule.default_retention.days", 1),
                ("rule.default_retention.years", 365),
            ):
                for actual in attribute_values(module, body, attribute):
                    number = resolve(module, actual)
                    if isinstance(number, int | float) and number * scale == int(value):
                        expected = int(value) // scale
                        return [
                            Evidence(address=address, attribute=attribute, op="==", value=expected)
                        ]
        return []


def _days(match: re.Match[str]) -> int | None:
    groups = [g for g in match.groups() if g is not None]
    if len(groups) < 2:
        return None
    days = int(groups[0]) * _UNITS[groups[1].lower()]
    return days if 1 <= days <= 36500 else None


def _mode(match: re.Match[str]) -> str:
    word = next(g for g in match.groups() if g is not None).lower()
    return "COMPLIANCE" if word in ("compliance", "컴플라이언스") else "GOVERNANCE"


def build(bp: Blueprint, ctx: Context) -> None:
    name = ensure_data_bucket(bp)[0]
    days = int(ctx.req.params.get("s3.lock_days", DEFAULT_DAYS))
    mode = str(ctx.req.params.get("s3.lock_mode", "GOVERNANCE"))
    bucket = bp.find(f"aws_s3_bucket.{name}")
    if bucket is None:
        return
    bucket.body["object_lock_enabled"] = True
    bucket.reason += " Object Lock is on: objects cannot be changed or deleted while retained."
    bp.add(
        ResourceSpec(
            "aws_s3_bucket_object_lock_configuration",
            name,
            "storage",
            f"Write once, read many: every new object is locked for {days} days in {mode} mode.",
            {
                "bucket": Expr(f"aws_s3_bucket.{name}.id"),
                "rule": Block(
                    "rule",
                    body={
                        "default_retention": Block(
                            "default_retention",
                            body=(
                                {"mode": mode, "years": days // 365}
                                if days % 365 == 0
                                else {"mode": mode, "days": days}
                            ),
                        )
                    },
                ),
                "depends_on": [Expr(f"aws_s3_bucket_versioning.{name}")],
            },
            block="s3",
        )
    )
    if mode == "GOVERNANCE":
        bp.notes.append(
            "Object Lock uses GOVERNANCE mode (privileged users may lift a lock); say 'compliance mode' "
            "for locks no one can lift."
        )


CAPABILITY = declare(
    "s3_object_lock",
    build=build,
    readers={
        "s3.lock_days": reader(PATTERNS["days"], _days),
        "s3.lock_mode": reader(PATTERNS["mode"], _mode),
    },
)
