"""Intent checks: is the Terraform faithful to what was asked?

Derived from the gathered requirements and read from the parsed Terraform (never from the
planner's memory), so a hand-edited or LLM-written design is held to the same promises.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from autcloud.agent.ledger import AskStatus, Ledger, verify
from autcloud.agent.requirements import Requirements
from autcloud.agent.tfparse import TerraformModule
from autcloud.agent.validation.report import Finding, StepResult

INTENT_STEP = "intent"
RELATIONAL = {
    "postgres": ("aws_db_instance", "postgres"),
    "mysql": ("aws_db_instance", "mysql"),
    "aurora-postgresql": ("aws_rds_cluster", "aurora-postgresql"),
    "aurora-mysql": ("aws_rds_cluster", "aurora-mysql"),
}


def check_intent(
    module: TerraformModule,
    req: Requirements,
    *,
    monthly_cost_usd: float | None = None,
    ledger: Ledger | None = None,
) -> StepResult:
    started = time.perf_counter()
    findings = list(_findings(module, req, monthly_cost_usd))
    checked = len(list(_checks_named(req)))
    if ledger is not None:
        honored = [e for e in ledger.entries if e.status is AskStatus.HONORED]
        checked += len(honored)
        findings += [
            Finding(
                "intent.ledger",
                f"{entry.quote!r} ({entry.key}) is claimed honored, but {problem}",
                entry.evidence[0].address if entry.evidence else "",
            )
            for entry, problem in verify(module, ledger)
        ]
    reason = (
        f"{len(findings)} of {checked} intent checks failed"
        if findings
        else f"{checked} intent checks passed"
    )
    return StepResult.from_findings(INTENT_STEP, started, findings, reason)


def _checks_named(req: Requirements) -> Iterator[str]:
    yield "region"
    yield from (f"engine.{e}" for e in req.databases)
    yield "encryption"
    yield "private_data"
    if req.high_availability:
        yield "availability"
    for name in (
        "container_image",
        "domain",
        "alert_emails",
        "instance_type",
        "db_instance_class",
        "desired_count",
    ):
        if name in req.stated:
            yield name
    if req.budget:
        yield "budget"


def _default(module: TerraformModule, variable: str) -> Any:
    return module.variables.get(variable, {}).get("default")


def _value(module: TerraformModule, value: Any) -> Any:
    """A literal, or the default of the variable it names (``${var.x}``)."""
    if isinstance(value, str) and value.startswith("${var.") and value.endswith("}"):
        return _default(module, value[6:-1])
    return value


def _resources(module: TerraformModule, rtype: str) -> dict[str, dict[str, Any]]:
    return module.resources.get(rtype, {})


def _findings(
    module: TerraformModule, req: Requirements, monthly_cost_usd: float | None
) -> Iterator[Finding]:
    region = _default(module, "region")
    if region != req.region:
        yield Finding(
            "intent.region",
            f"the design deploys to {region!r}, but {req.region!r} was asked for; set var.region's default",
        )

    for engine in req.databases:
        if engine == "dynamodb":
            if not _resources(module, "aws_dynamodb_table"):
                yield Finding(
                    "intent.engine", "DynamoDB was asked for, but no aws_dynamodb_table is declared"
                )
            continue
        rtype, expected = RELATIONAL[engine]
        engines = {
            name: _value(module, body.get("engine"))
            for name, body in _resources(module, rtype).items()
        }
        accepted = {expected, "mariadb"} if expected == "mysql" else {expected}
        if not accepted & set(engines.values()):
            found = (
                ", ".join(f"{rtype}.{n} engine={e!r}" for n, e in engines.items()) or f"no {rtype}"
            )
            address = f"{rtype}.{next(iter(engines))}" if engines else ""
            yield Finding(
                "intent.engine",
                f'{engine} was asked for, but the design has {found}; set engine = "{expected}"',
                address,
            )
    if (
        req.has("cache")
        and not _resources(module, "aws_elasticache_replication_group")
        and not _resources(module, "aws_elasticache_cluster")
        and not _resources(module, "aws_elasticache_serverless_cache")
    ):
        yield Finding(
            "intent.engine",
            "a Redis cache was asked for, but no aws_elasticache_replication_group is declared",
        )

    yield from _encryption(module)
    yield from _private_data(module)
    if req.high_availability:
        yield from _availability(module)
    yield from _stated_values(module, req)
    if req.budget and monthly_cost_usd is not None and monthly_cost_usd > req.budget.monthly_usd:
        yield Finding(
            "intent.budget",
            f"estimated ${monthly_cost_usd:,.0f}/month exceeds the budget of ${req.budget.monthly_usd:,.0f}/month "
            f"by ${monthly_cost_usd - req.budget.monthly_usd:,.0f}; relax availability or sizes, or raise the budget",
            severity="warning",
        )


# What must be encrypted at rest: (resource type, the attribute that says so, what it is if not)
_ENCRYPTED_AT_REST = (
    ("aws_db_instance", "storage_encrypted", "database storage is not encrypted"),
    ("aws_rds_cluster", "storage_encrypted", "cluster storage is not encrypted"),
    ("aws_elasticache_replication_group", "at_rest_encryption_enabled", "cache is not encrypted at rest"),
)  # fmt: skip


def _encryption(module: TerraformModule) -> Iterator[Finding]:
    for rtype, attribute, problem in _ENCRYPTED_AT_REST:
        for name, body in _resources(module, rtype).items():
            if body.get(attribute) is not True:
                yield Finding(
                    "intent.encryption", f"{problem}; set {attribute} = true", f"{rtype}.{name}"
                )
    encrypted_buckets = {
        str(body.get("bucket", ""))
        for body in _resources(
            module, "aws_s3_bucket_server_side_encryption_configuration"
        ).values()
    }
    for name in _resources(module, "aws_s3_bucket"):
        if f"${{aws_s3_bucket.{name}.id}}" not in encrypted_buckets:
            yield Finding(
                "intent.encryption",
                "bucket has no server-side encryption configuration",
                f"aws_s3_bucket.{name}",
            )
    for rtype, attribute in (
        ("aws_sqs_queue", "kms_master_key_id"),
        ("aws_sns_topic", "kms_master_key_id"),
    ):
        for name, body in _resources(module, rtype).items():
            if not body.get(attribute) and not body.get("sqs_managed_sse_enabled"):
                yield Finding(
                    "intent.encryption",
                    f"not encrypted at rest; set {attribute}",
                    f"{rtype}.{name}",
                )


def _private_data(module: TerraformModule) -> Iterator[Finding]:
    for rtype in ("aws_db_instance", "aws_rds_cluster_instance"):
        for name, body in _resources(module, rtype).items():
            if body.get("publicly_accessible") is True:
                yield Finding(
                    "intent.public_database",
                    "the database is publicly accessible; set publicly_accessible = false",
                    f"{rtype}.{name}",
                )


def _availability(module: TerraformModule) -> Iterator[Finding]:
    az_count = _default(module, "az_count")
    if isinstance(az_count, int | float) and az_count < 2:
        yield Finding(
            "intent.availability",
            f"high availability needs at least 2 zones, the VPC spans {az_count}; set az_count >= 2",
        )
    for name, body in _resources(module, "aws_db_instance").items():
        if _value(module, body.get("multi_az")) is not True:
            yield Finding(
                "intent.availability",
                "high availability was asked for, but the database is single-AZ; set multi_az = true",
                f"aws_db_instance.{name}",
            )
    instances = _default(module, "aurora_instance_count")
    if (
        _resources(module, "aws_rds_cluster")
        and isinstance(instances, int | float)
        and instances < 2
    ):
        yield Finding(
            "intent.availability",
            "high availability needs an Aurora reader in a second zone; set aurora_instance_count >= 2",
        )
    for name, body in _resources(module, "aws_elasticache_replication_group").items():
        nodes = _value(module, body.get("num_cache_clusters"))
        if isinstance(nodes, int | float) and nodes < 2:
            yield Finding(
                "intent.availability",
                "high availability needs a cache replica with automatic failover; set num_cache_clusters >= 2",
                f"aws_elasticache_replication_group.{name}",
            )


def _stated_values(module: TerraformModule, req: Requirements) -> Iterator[Finding]:
    expected: dict[str, Any] = {}
    if "container_image" in req.stated and req.container_image:
        expected[
            "container_image" if "container_image" in module.variables else "batch_job_image"
        ] = req.container_image
    if "domain" in req.stated:
        expected["domain_name"] = req.domain
    # Only where the design has a place for it; otherwise the ledger reports the type as unbuilt.
    if "instance_type" in req.stated and req.instance_type:
        for variable in ("instance_type", "node_instance_type"):
            if variable in module.variables:
                expected[variable] = req.instance_type
                break
    if "db_instance_class" in req.stated and req.db_instance_class:
        expected["db_instance_class"] = req.db_instance_class
    if "desired_count" in req.stated and req.desired_count and "desired_count" in module.variables:
        expected["desired_count"] = req.desired_count
    for variable, value in expected.items():
        actual = _default(module, variable)
        if actual != value:
            yield Finding(
                "intent.value",
                f"the request named {value!r}, but var.{variable} defaults to {actual!r}",
                f"var.{variable}",
            )
    if "alert_emails" in req.stated:
        missing = set(req.alert_emails) - set(_default(module, "alert_emails") or [])
        if missing:
            yield Finding(
                "intent.value",
                f"alerts should reach {', '.join(sorted(missing))}, which var.alert_emails lacks",
                "var.alert_emails",
            )
