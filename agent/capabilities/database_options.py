"""Relational database options as stated, on the core RDS instance or Aurora cluster
(agent/catalog/data.py): engine version (with the matching parameter group family), MariaDB,
Aurora Serverless v2, and read replicas."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from autcloud.agent.capabilities._applies import built_by_first
from autcloud.agent.capabilities.base import Parameter, declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, Variable, interp, tags
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.ledger import Evidence, attribute_values, holds, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("database_options")

INSTANCE, CLUSTER = "aws_db_instance.main", "aws_rds_cluster.main"
MARIADB_VERSION = "10.11"
AURORA_POSTGRES_MINOR = {"13": "13.16", "14": "14.13", "15": "15.8", "16": "16.4", "17": "17.4"}
AURORA_MYSQL_VERSION = {"8.0": "8.0.mysql_aurora.3.08.0", "5.7": "5.7.mysql_aurora.2.12.3"}
DEFAULT_MIN_ACU, DEFAULT_MAX_ACU = 0.5, 8.0


@dataclass(frozen=True)
class VersionParameter(Parameter):
    """An engine version, proven on an RDS instance or an Aurora cluster ("16" holds for "16.4")."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        wanted = str(value)
        for rtype in ("aws_db_instance", "aws_rds_cluster"):
            for address, body in instances(module, rtype):
                for actual in attribute_values(module, body, "engine_version"):
                    text = str(actual)
                    if text == wanted or text.startswith(wanted + "."):
                        return [
                            Evidence(
                                address=address, attribute="engine_version", op="==", value=text
                            )
                        ]
        return []


@dataclass(frozen=True)
class ReadReplicasParameter(Parameter):
    """Read replicas: RDS replica instances (``count``), or Aurora instances beyond the writer."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        for address, body in instances(module, "aws_db_instance"):
            if body.get("replicate_source_db") and any(
                holds(module, v, ">=", value) for v in attribute_values(module, body, "count")
            ):
                return [Evidence(address=address, attribute="count", op=">=", value=value)]
        for address, body in instances(module, "aws_rds_cluster_instance"):
            if any(
                holds(module, v, ">=", int(value) + 1)
                for v in attribute_values(module, body, "count")
            ):
                return [Evidence(address=address, attribute="count", op=">=", value=int(value) + 1)]
        return []


# --- reading ----------------------------------------------------------------------------------

# The engines people name, tried in this order; each one's words are a fragment of
# agent/patterns/database_options.yaml, joined there as engine.
_ENGINES = {
    "aurora_postgresql": "aurora-postgresql",
    "aurora_mysql": "aurora-mysql",
    "postgres": "postgres",
    "mariadb": "mariadb",
    "mysql": "mysql",
}


def _engine_of(words: str) -> str:
    return next(
        name for key, name in _ENGINES.items() if re.fullmatch(PATTERNS.fragment(key), words, re.I)
    )


def _valid(family: str, version: str) -> str | None:
    parts = version.split(".")
    if family in ("postgres", "aurora-postgresql"):
        return version if 11 <= int(parts[0]) <= 17 else None
    if family in ("mysql", "aurora-mysql"):
        version = "8.0" if version == "8" else version
        return version if version.startswith(("5.7", "8.0", "8.4")) else None
    return version if version.startswith(("10.", "11.")) else None


def read_versions(text: str) -> Iterator[tuple[str, tuple[str, str]]]:
    for match in PATTERNS["version"].finditer(text):
        engine = _engine_of(match.group(1).strip())
        version = _valid(engine, match.group(2))
        if version is not None:
            yield match.group(0).strip(), (engine, version)


def read_engine_version(text: str) -> Iterator[tuple[str, Any]]:
    for quote, (_, version) in read_versions(text):
        yield quote, version


_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "하나": 1}


def _writer_readers(match: re.Match[str]) -> int | None:
    groups = match.groups()
    writers, readers = (groups[0], groups[1]) if match.group(0)[:1].isascii() else groups[2:4]
    total = sum(_COUNT_WORDS.get((g or "1").lower()) or int(g or 1) for g in (writers, readers))
    return total if 2 <= total <= 16 else None


def _retention_days(match: re.Match[str]) -> int | None:
    found = next((g for g in match.groups() if g is not None), None)
    return int(found) if found is not None and 1 <= int(found) <= 35 else None


@dataclass(frozen=True)
class EitherParameter(Parameter):
    """Proven on the RDS instance or on the Aurora cluster."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        candidates = chain(
            instances(module, "aws_db_instance"), instances(module, "aws_rds_cluster")
        )
        return self.first_holding(module, value, candidates)


_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
}


def _number(match: re.Match[str]) -> float | None:
    found = next((g for g in match.groups() if g is not None), None)
    if found is None:
        return None
    return float(found)


def _acu(match: re.Match[str]) -> float | None:
    value = _number(match)
    return value if value is not None and 0 <= value <= 256 else None


def _replicas(match: re.Match[str]) -> int | None:
    found = next((g for g in match.groups() if g is not None), None)
    if found is None:
        return None
    count = _WORD_NUMBERS.get(found.lower()) or int(found)
    return count if 1 <= count <= 5 else None


# --- building ---------------------------------------------------------------------------------


def _family(engine: str, version: str) -> str:
    major = version.split(".")[0]
    if engine == "postgres":
        return f"postgres{major}"
    if engine == "aurora-postgresql":
        return f"aurora-postgresql{major}"
    two = ".".join(version.split(".")[:2])
    return {
        "mysql": f"mysql{two}",
        "aurora-mysql": f"aurora-mysql{two}",
        "mariadb": f"mariadb{two}",
    }[engine]


def _set_version(bp: Blueprint, engine: str, version: str) -> bool:
    instance, cluster = bp.find(INSTANCE), bp.find(CLUSTER)
    if cluster is not None and cluster.body.get("engine") == f"aurora-{engine}".replace(
        "-postgres", "-postgresql"
    ):
        engine = str(cluster.body["engine"])  # "Aurora Serverless with PostgreSQL 16"
    if instance is not None and instance.body.get("engine") == engine:
        instance.body["engine_version"] = version
        group = bp.find("aws_db_parameter_group.main")
        if group is not None:
            group.body["family"] = _family(engine, version)
        return True
    if cluster is not None and cluster.body.get("engine") == engine:
        if engine == "aurora-postgresql":
            full = version if "." in version else AURORA_POSTGRES_MINOR.get(version, f"{version}.1")
        else:
            full = AURORA_MYSQL_VERSION.get(version, version)
        cluster.body["engine_version"] = full
        group = bp.find("aws_rds_cluster_parameter_group.main")
        if group is not None:
            group.body["family"] = _family(engine, full)
        return True
    return False


def _mariadb(bp: Blueprint, version: str | None) -> None:
    instance = bp.find(INSTANCE)
    if instance is None or instance.body.get("engine") not in ("mysql", "mariadb"):
        bp.notes.append(
            "MariaDB was asked for, but the design's database is not RDS MySQL/MariaDB."
        )
        return
    version = version or MARIADB_VERSION
    instance.body["engine"] = "mariadb"
    instance.body["engine_version"] = version
    instance.reason = instance.reason.replace(" mysql ", " MariaDB ")
    group = bp.find("aws_db_parameter_group.main")
    if group is not None:
        group.body["family"] = _family("mariadb", version)
        group.body["name_prefix"] = interp("${local.name}-mariadb-")


def _serverless(bp: Blueprint, minimum: float, maximum: float) -> None:
    cluster = bp.require(
        CLUSTER, "Aurora Serverless v2 was asked for, but the design's database is not Aurora."
    )
    if cluster is None:
        return
    maximum = max(maximum, minimum, 1.0)
    cluster.body["serverlessv2_scaling_configuration"] = Block(
        "serverlessv2_scaling_configuration",
        body={"min_capacity": minimum, "max_capacity": maximum},
    )
    cluster.reason = (
        f"Aurora Serverless v2 cluster scaling between {minimum:g} and {maximum:g} ACUs: storage replicated "
        "across three zones, encrypted, password in Secrets Manager."
    )
    if "db_instance_class" in bp.variables:
        bp.variables["db_instance_class"] = dataclasses.replace(
            bp.variables["db_instance_class"],
            default="db.serverless",
            description="Aurora instance class (db.serverless: capacity follows the load in ACUs).",
        )


def _read_replicas(bp: Blueprint, count: int) -> None:
    cluster, instance = bp.find(CLUSTER), bp.find(INSTANCE)
    if cluster is not None and "aurora_instance_count" in bp.variables:
        bp.variables["aurora_instance_count"] = dataclasses.replace(
            bp.variables["aurora_instance_count"], default=1 + count
        )
        member = bp.find("aws_rds_cluster_instance.main")
        if member is not None:
            member.reason = (
                f"{1 + count} Aurora instances: a writer and {count} reader(s) in other zones."
            )
        return
    if instance is None:
        bp.notes.append("Read replicas were asked for, but the design has no relational database.")
        return
    replicas = bp.var(
        Variable("db_read_replica_count", "number", "Read replicas of the database.", count)
    )
    source = instance.body
    keep = (
        "instance_class", "storage_type", "storage_encrypted", "kms_key_id", "port",
        "vpc_security_group_ids", "publicly_accessible", "parameter_group_name",
        "maintenance_window", "deletion_protection", "copy_tags_to_snapshot",
        "auto_minor_version_upgrade", "iam_database_authentication_enabled",
        "enabled_cloudwatch_logs_exports", "performance_insights_enabled",
        "performance_insights_kms_key_id", "performance_insights_retention_period",
        "monitoring_interval", "monitoring_role_arn", "backup_retention_period", "backup_window",
    )  # fmt: skip
    body: dict[str, Any] = {
        "count": replicas,
        "identifier_prefix": interp("${local.name}-replica-${count.index}-"),
        "replicate_source_db": Expr("aws_db_instance.main.identifier"),
        **{k: source[k] for k in keep if k in source},
        "multi_az": False,
        "skip_final_snapshot": True,
        "tags": tags("db-replica-${count.index}"),
    }
    bp.add(
        ResourceSpec(
            "aws_db_instance",
            "replica",
            "data",
            f"{count} read replica(s) of the database: reads scale out, same encryption and firewall.",
            body,
            comments=(
                "checkov:skip=CKV_AWS_157:A read replica is itself the redundancy; the source carries Multi-AZ when asked",
            ),
            block="rds",
        )
    )


def _instances(bp: Blueprint, total: int) -> None:
    if bp.find(CLUSTER) is None or "aurora_instance_count" not in bp.variables:
        bp.notes.append(
            "A writer and readers were asked for, but the design's database is not Aurora."
        )
        return
    bp.variables["aurora_instance_count"] = dataclasses.replace(
        bp.variables["aurora_instance_count"], default=total
    )
    member = bp.find("aws_rds_cluster_instance.main")
    if member is not None:
        member.reason = (
            f"{total} Aurora instances: a writer and {total - 1} reader(s) in other zones."
        )


def _backup_retention(bp: Blueprint, days: int) -> None:
    for address in (INSTANCE, CLUSTER, "aws_db_instance.replica"):
        spec = bp.find(address)
        if spec is not None and "backup_retention_period" in spec.body:
            spec.body["backup_retention_period"] = days
            if address == CLUSTER:
                spec.comments = tuple(
                    c.replace("(14 days)", f"({days} days)") for c in spec.comments
                )


def _data_api(bp: Blueprint) -> None:
    cluster = bp.require(
        CLUSTER, "The RDS Data API was asked for, but the design's database is not Aurora."
    )
    if cluster is None:
        return
    cluster.body["enable_http_endpoint"] = True
    cluster.reason += " The RDS Data API (HTTPS, IAM-authorised SQL) is on."


def build(bp: Blueprint, ctx: Context) -> None:
    services, params = ctx.req.services, ctx.req.params
    if params.get("db.backup_retention_days"):
        _backup_retention(bp, int(params["db.backup_retention_days"]))
    if "rds_data_api" in services:
        _data_api(bp)
    stated = dict(
        value
        for _, value in read_versions(
            " ".join(a.quote for a in ctx.req.asks if a.key == "db.engine_version")
        )
    )
    if "mariadb" in services:
        _mariadb(bp, stated.get("mariadb"))
    for engine, version in stated.items():
        if engine == "mariadb":
            continue
        if not _set_version(bp, engine, version):
            bp.notes.append(
                f"{engine} {version} was named, but the design's database is another engine."
            )
    if "aurora_serverless" in services or any(
        k in params for k in ("aurora.min_acu", "aurora.max_acu")
    ):
        _serverless(
            bp,
            float(params.get("aurora.min_acu", DEFAULT_MIN_ACU)),
            float(params.get("aurora.max_acu", DEFAULT_MAX_ACU)),
        )
    replicas = params.get("db.read_replicas")
    if replicas is None and "read_replicas" in services:
        replicas = 1
    if replicas:
        _read_replicas(bp, int(replicas))
    if params.get("aurora.instance_count"):
        _instances(bp, int(params["aurora.instance_count"]))


_KEYS = ("mariadb", "aurora_serverless", "read_replicas", "database_options", "rds_data_api")
_PARAMS = (
    "db.engine_version",
    "aurora.min_acu",
    "aurora.max_acu",
    "db.read_replicas",
    "db.backup_retention_days",
    "aurora.instance_count",
)


def _wanted(req: Any) -> bool:
    return any(k in req.services for k in _KEYS) or any(k in req.params for k in _PARAMS)


CAPABILITIES = [
    declare(
        "database_options",
        build=build,
        readers={
            "db.engine_version": read_engine_version,
            "db.backup_retention_days": reader(PATTERNS["db_backup"], _retention_days),
            "aurora.instance_count": reader(PATTERNS["writer_readers"], _writer_readers),
        },
        applies=_wanted,
    ),
    declare("mariadb", build=build, applies=built_by_first),
    declare(
        "aurora_serverless",
        build=build,
        readers={
            "aurora.min_acu": reader(PATTERNS["min_acu"], _acu),
            "aurora.max_acu": reader(PATTERNS["max_acu"], _acu),
        },
        applies=built_by_first,
    ),
    declare(
        "read_replicas",
        build=build,
        readers={"db.read_replicas": reader(PATTERNS["replicas"], _replicas)},
        applies=built_by_first,
    ),
    declare("rds_data_api", build=build, applies=built_by_first),
]
