"""Data: RDS and Aurora (managed passwords), DynamoDB, ElastiCache Redis — encrypted and private."""

from __future__ import annotations

import re
from typing import Any

from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.compute import egress, ingress, security_group
from autcloud.agent.catalog.security import standard_alarm
from autcloud.agent.hcl import Block, Expr

ENGINE_PORTS = {"postgres": 5432, "mysql": 3306, "aurora-postgresql": 5432, "aurora-mysql": 3306}
ENGINE_VERSIONS = {
    "postgres": "16",
    "mysql": "8.0",
    "aurora-postgresql": "16.4",
    "aurora-mysql": "8.0.mysql_aurora.3.08.0",
}
LOG_EXPORTS = {
    "postgres": ["postgresql", "upgrade"],
    "mysql": ["audit", "error", "general", "slowquery"],
    "aurora-postgresql": ["postgresql"],
    "aurora-mysql": ["audit", "error", "general", "slowquery"],
}

# UTC; 17:00-18:00 is 02:00-03:00 in Seoul. RDS refuses windows that overlap or touch
# (InvalidParameterValue), so maintenance starts half an hour after the backup ends.
BACKUP_WINDOW = "17:00-18:00"
MAINTENANCE_WINDOW = "sun:18:30-sun:19:30"


DB_CLASSES = ("db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.m7g.large", "db.r7g.xlarge")
CACHE_NODES = ("cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium")


def db_instance_class(ctx: Context) -> str:
    if ctx.req.db_instance_class:
        return ctx.req.db_instance_class
    users = ctx.req.daily_users
    if users <= 20_000:
        natural = 0 if ctx.req.environment == "dev" else 1
    elif users <= 200_000:
        natural = 2
    elif users <= 1_000_000:
        natural = 3
    else:
        natural = 4
    return ctx.sized(DB_CLASSES, natural)


def _subnet_group(bp: Blueprint, block: str) -> None:
    if not bp.has("aws_db_subnet_group.main"):
        bp.add(
            ResourceSpec(
                "aws_db_subnet_group",
                "main",
                "data",
                "Keeps databases in the isolated data subnets.",
                {
                    "name_prefix": interp("${local.name}-"),
                    "subnet_ids": Expr("aws_subnet.data[*].id"),
                    "tags": tags("db-subnets"),
                },
                block=block,
            )
        )


def _database_firewall(bp: Blueprint, port: int, clients: list[str], block: str) -> None:
    security_group(
        bp,
        "database",
        "Database",
        "The database's firewall: only the application tier gets in.",
        block,
    )
    for client in clients:
        ingress(
            bp,
            f"database_from_{client}",
            "database",
            port,
            f"Database connections from the {client} tier only.",
            source_group=client,
            block=block,
        )
        egress(
            bp,
            f"{client}_to_database",
            client,
            port,
            f"The {client} tier reaches the database.",
            target_group="database",
            block=block,
        )


def add_relational(bp: Blueprint, ctx: Context, engine: str, clients: list[str]) -> dict[str, Expr]:
    """RDS or Aurora. Returns the secret ARN the application reads its credentials from."""
    bp.blocks.append("aurora" if engine.startswith("aurora") else "rds")
    port = ENGINE_PORTS[engine]
    _subnet_group(bp, "rds")
    _database_firewall(bp, port, clients, "rds")
    db_name = bp.var(
        Variable("database_name", "string", "Name of the application database.", "app")
    )
    if engine.startswith("aurora"):
        return _aurora(bp, ctx, engine, port, db_name)
    instance_class = bp.var(
        Variable("db_instance_class", "string", "RDS instance class.", db_instance_class(ctx))
    )
    storage = bp.var(
        Variable(
            "db_allocated_storage",
            "number",
            "Initial database storage in GiB.",
            ctx.req.storage_gb or 20,
        )
    )
    role = _monitoring_role(bp)
    family = "postgres16" if engine == "postgres" else "mysql8.0"
    parameters = (
        [
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "log_min_duration_statement", "value": "1000"},
        ]
        if engine == "postgres"
        else [{"name": "require_secure_transport", "value": "1"}]
    )
    bp.add(
        ResourceSpec(
            "aws_db_parameter_group",
            "main",
            "data",
            "Forces TLS connections and logs slow queries.",
            {
                "name_prefix": interp(f"${{local.name}}-{engine}-"),
                "family": family,
                "parameter": [Block("parameter", body=p) for p in parameters],
                "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
            },
            block="rds",
        )
    )
    multi_az = ctx.multi_az_data
    bp.add(
        ResourceSpec(
            "aws_db_instance",
            "main",
            "data",
            f"{'Multi-AZ' if multi_az else 'Single-AZ'} {engine} on {db_instance_class(ctx)}: encrypted, private, backed up, "
            "password kept by Secrets Manager.",
            {
                "identifier_prefix": interp("${local.name}-"),
                "engine": engine,
                "engine_version": ENGINE_VERSIONS[engine],
                "instance_class": instance_class,
                "allocated_storage": storage,
                "max_allocated_storage": Expr(f"{storage.text} * 5"),
                "storage_type": "gp3",
                "storage_encrypted": True,
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "db_name": db_name,
                "username": "app_admin",
                "manage_master_user_password": True,
                "master_user_secret_kms_key_id": Expr("aws_kms_key.main.key_id"),
                "port": port,
                "multi_az": multi_az,
                "db_subnet_group_name": Expr("aws_db_subnet_group.main.name"),
                "vpc_security_group_ids": [Expr("aws_security_group.database.id")],
                "publicly_accessible": False,
                "parameter_group_name": Expr("aws_db_parameter_group.main.name"),
                "backup_retention_period": 14 if ctx.req.environment == "prod" else 7,
                "backup_window": BACKUP_WINDOW,
                "maintenance_window": MAINTENANCE_WINDOW,
                "deletion_protection": True,
                "skip_final_snapshot": False,
                "final_snapshot_identifier": interp("${local.name}-final"),
                "copy_tags_to_snapshot": True,
                "auto_minor_version_upgrade": True,
                "iam_database_authentication_enabled": True,
                "enabled_cloudwatch_logs_exports": LOG_EXPORTS[engine],
                "performance_insights_enabled": True,
                "performance_insights_kms_key_id": Expr("aws_kms_key.main.arn"),
                "performance_insights_retention_period": 7,
                "monitoring_interval": 60,
                "monitoring_role_arn": Expr(f"aws_iam_role.{role}.arn"),
                "tags": tags("db"),
            },
            comments=(
                ()
                if multi_az
                else (
                    "checkov:skip=CKV_AWS_157:Single-AZ: high availability was not asked for; say 'highly available' for Multi-AZ",
                )
            ),
            block="rds",
        )
    )
    standard_alarm(bp, "db_instance_cpu_high")
    standard_alarm(bp, "db_instance_storage_low")
    bp.out(
        Output("database_endpoint", "aws_db_instance.main.address", "Hostname of the database."),
        Output(
            "database_secret_arn",
            "aws_db_instance.main.master_user_secret[0].secret_arn",
            "Secrets Manager secret holding the database credentials.",
        ),
    )
    return {"DB_SECRET": Expr("aws_db_instance.main.master_user_secret[0].secret_arn")}


def _monitoring_role(bp: Blueprint) -> str:
    if not bp.has("aws_iam_role.rds_monitoring"):
        from autcloud.agent.catalog.compute import role

        role(
            bp,
            "rds_monitoring",
            "monitoring.rds.amazonaws.com",
            "Lets RDS publish enhanced OS metrics.",
            "data",
            "rds",
            ("service-role/AmazonRDSEnhancedMonitoringRole",),
        )
    return "rds_monitoring"


def _aurora(bp: Blueprint, ctx: Context, engine: str, port: int, db_name: Expr) -> dict[str, Expr]:
    instances = 2 if ctx.multi_az_data else 1
    instance_class = bp.var(
        Variable(
            "db_instance_class",
            "string",
            "Aurora instance class.",
            ctx.req.db_instance_class or "db.r7g.large",
        )
    )
    count = bp.var(
        Variable(
            "aurora_instance_count",
            "number",
            "Aurora instances (a writer, plus readers in other zones).",
            instances,
        )
    )
    role = _monitoring_role(bp)
    postgres = engine == "aurora-postgresql"
    parameters = (
        [
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "log_statement", "value": "ddl"},
            {"name": "log_min_duration_statement", "value": "1000"},
        ]
        if postgres
        else [
            {"name": "require_secure_transport", "value": "ON"},
            {"name": "slow_query_log", "value": "1"},
        ]
    )
    bp.add(
        ResourceSpec(
            "aws_rds_cluster_parameter_group",
            "main",
            "data",
            "Forces TLS connections and logs schema changes and slow queries.",
            {
                "name_prefix": interp(f"${{local.name}}-{engine}-"),
                "family": "aurora-postgresql16" if postgres else "aurora-mysql8.0",
                "parameter": [Block("parameter", body=p) for p in parameters],
                "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
            },
            block="aurora",
        )
    )
    bp.add(
        ResourceSpec(
            "aws_rds_cluster",
            "main",
            "data",
            f"Aurora {engine.split('-')[1]} cluster: storage replicated across three zones, encrypted, password in Secrets Manager.",
            {
                "cluster_identifier_prefix": interp("${local.name}-"),
                "engine": engine,
                "engine_version": ENGINE_VERSIONS[engine],
                "database_name": db_name,
                "master_username": "app_admin",
                "manage_master_user_password": True,
                "master_user_secret_kms_key_id": Expr("aws_kms_key.main.key_id"),
                "port": port,
                "db_subnet_group_name": Expr("aws_db_subnet_group.main.name"),
                "vpc_security_group_ids": [Expr("aws_security_group.database.id")],
                "storage_encrypted": True,
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "backup_retention_period": 14,
                "preferred_backup_window": BACKUP_WINDOW,
                "preferred_maintenance_window": MAINTENANCE_WINDOW,
                "deletion_protection": True,
                "skip_final_snapshot": False,
                "final_snapshot_identifier": interp("${local.name}-final"),
                "copy_tags_to_snapshot": True,
                "iam_database_authentication_enabled": True,
                "enabled_cloudwatch_logs_exports": LOG_EXPORTS[engine],
                "db_cluster_parameter_group_name": Expr(
                    "aws_rds_cluster_parameter_group.main.name"
                ),
                **({} if postgres else {"backtrack_window": 86400}),
                "tags": tags("aurora"),
            },
            comments=(
                "checkov:skip=CKV2_AWS_8:Aurora's continuous backups (14 days) and final snapshot cover restores; add AWS Backup for cross-account copies",
            ),
            block="aurora",
        ),
        ResourceSpec(
            "aws_rds_cluster_instance",
            "main",
            "data",
            f"{instances} Aurora instance(s); a reader in another zone takes over on failure.",
            {
                "count": count,
                "identifier_prefix": interp("${local.name}-${count.index}-"),
                "cluster_identifier": Expr("aws_rds_cluster.main.id"),
                "instance_class": instance_class,
                "engine": Expr("aws_rds_cluster.main.engine"),
                "engine_version": Expr("aws_rds_cluster.main.engine_version"),
                "db_subnet_group_name": Expr("aws_db_subnet_group.main.name"),
                "publicly_accessible": False,
                "auto_minor_version_upgrade": True,
                "performance_insights_enabled": True,
                "performance_insights_kms_key_id": Expr("aws_kms_key.main.arn"),
                "monitoring_interval": 60,
                "monitoring_role_arn": Expr(f"aws_iam_role.{role}.arn"),
                "tags": tags("aurora-${count.index}"),
            },
            block="aurora",
        ),
    )
    standard_alarm(bp, "db_cluster_cpu_high")
    bp.out(
        Output(
            "database_endpoint",
            "aws_rds_cluster.main.endpoint",
            "Writer endpoint of the Aurora cluster.",
        ),
        Output(
            "database_reader_endpoint",
            "aws_rds_cluster.main.reader_endpoint",
            "Reader endpoint of the Aurora cluster.",
        ),
        Output(
            "database_secret_arn",
            "aws_rds_cluster.main.master_user_secret[0].secret_arn",
            "Secrets Manager secret holding the database credentials.",
        ),
    )
    return {"DB_SECRET": Expr("aws_rds_cluster.main.master_user_secret[0].secret_arn")}


TABLES_KEY = (
    "dynamodb.tables"  # the tables stated by name, read by agent/capabilities/dynamodb_options.py
)


def table_names(ctx: Context) -> list[tuple[str, str]]:
    """(resource name, table name suffix) of every DynamoDB table stated: the first is
    ``aws_dynamodb_table.main``; none stated, one table named "main"."""
    plan = ctx.req.params.get(TABLES_KEY)
    names: list[tuple[str, str]] = []
    if isinstance(plan, list):
        for index, entry in enumerate(plan):
            name = str(entry.get("name", "") if isinstance(entry, dict) else entry)
            suffix = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-") or f"table-{index + 1}"
            resource = re.sub(r"[^a-z0-9]+", "_", suffix).strip("_")
            if index == 0:
                resource = "main"
            elif not resource or resource[0].isdigit() or resource == "main":
                resource = f"table_{index + 1}"
            if all(r != resource and s != suffix for r, s in names):
                names.append((resource, suffix))
    return names or [("main", "main")]


def _table(name: str, suffix: str) -> ResourceSpec:
    return ResourceSpec(
        "aws_dynamodb_table",
        name,
        "data",
        f"On-demand DynamoDB table{'' if suffix == 'main' else ' ' + repr(suffix)} (pay per request), "
        "point-in-time recovery, KMS encryption.",
        {
            "name": interp(f"${{local.name}}-{suffix}"),
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "pk",
            "range_key": "sk",
            "attribute": [
                Block("attribute", body={"name": "pk", "type": "S"}),
                Block("attribute", body={"name": "sk", "type": "S"}),
            ],
            "point_in_time_recovery": Block("point_in_time_recovery", body={"enabled": True}),
            "server_side_encryption": Block(
                "server_side_encryption",
                body={"enabled": True, "kms_key_arn": Expr("aws_kms_key.main.arn")},
            ),
            "deletion_protection_enabled": True,
            "tags": tags("table" if suffix == "main" else f"table-{suffix}"),
        },
        block="dynamodb",
    )


def add_dynamodb(bp: Blueprint, ctx: Context) -> list[dict[str, Any]]:
    """On-demand tables with point-in-time recovery, encrypted with the project key: one, or
    each table the request names (the first is ``aws_dynamodb_table.main``)."""
    bp.blocks.append("dynamodb")
    names = table_names(ctx)
    for name, suffix in names:
        bp.add(_table(name, suffix))
    bp.out(
        Output("dynamodb_table_name", "aws_dynamodb_table.main.name", "Name of the DynamoDB table.")
    )
    for name, suffix in names[1:]:
        bp.out(
            Output(
                f"dynamodb_{name}_table_name",
                f"aws_dynamodb_table.{name}.name",
                f"Name of the {suffix} DynamoDB table.",
            )
        )
    resources: list[Any] = []
    for name, _ in names:
        resources += [
            Expr(f"aws_dynamodb_table.{name}.arn"),
            Expr(f'"${{aws_dynamodb_table.{name}.arn}}/index/*"'),
        ]
    return [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem",
            ],
            "Resource": resources,
        }
    ]


def add_redis(bp: Blueprint, ctx: Context, clients: list[str]) -> None:
    """ElastiCache Redis (Valkey-compatible) replication group: encrypted in transit and at rest."""
    bp.blocks.append("elasticache")
    nodes = 2 if ctx.ha else 1
    node_type = bp.var(
        Variable(
            "cache_node_type",
            "string",
            "ElastiCache node type.",
            ctx.req.cache_node_type or ctx.sized(CACHE_NODES, 1),
        )
    )
    security_group(
        bp,
        "cache",
        "Cache",
        "The cache's firewall: only the application tier gets in.",
        "elasticache",
    )
    for client in clients:
        ingress(
            bp,
            f"cache_from_{client}",
            "cache",
            6379,
            f"Redis connections from the {client} tier only.",
            source_group=client,
            block="elasticache",
        )
        egress(
            bp,
            f"{client}_to_cache",
            client,
            6379,
            f"The {client} tier reaches the cache.",
            target_group="cache",
            block="elasticache",
        )
    bp.add(
        ResourceSpec(
            "aws_elasticache_subnet_group",
            "main",
            "data",
            "Keeps the cache in the isolated data subnets.",
            {"name": interp("${local.name}-cache"), "subnet_ids": Expr("aws_subnet.data[*].id")},
            block="elasticache",
        ),
        ResourceSpec(
            "aws_elasticache_replication_group",
            "main",
            "data",
            f"Redis with {nodes} node(s){', automatic failover across zones' if nodes > 1 else ''}; TLS and encryption at rest.",
            {
                "replication_group_id": interp("${local.name}-cache"),
                "description": interp("${local.name} cache"),
                "engine": "redis",
                "engine_version": "7.1",
                "node_type": node_type,
                "num_cache_clusters": nodes,
                "port": 6379,
                "parameter_group_name": "default.redis7",
                "automatic_failover_enabled": nodes > 1,
                "multi_az_enabled": nodes > 1,
                "subnet_group_name": Expr("aws_elasticache_subnet_group.main.name"),
                "security_group_ids": [Expr("aws_security_group.cache.id")],
                "at_rest_encryption_enabled": True,
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "transit_encryption_enabled": True,
                "auth_token_update_strategy": None,
                "snapshot_retention_limit": 3,
                "auto_minor_version_upgrade": True,
                "tags": tags("cache"),
            },
            comments=(
                "checkov:skip=CKV_AWS_31:Clients authenticate with IAM/RBAC users over TLS instead of a shared AUTH token",
                *(
                    ()
                    if nodes > 1
                    else (
                        "checkov:skip=CKV2_AWS_50:One node: automatic failover needs a replica, which high availability adds",
                    )
                ),
            ),
            block="elasticache",
        ),
    )
    bp.out(
        Output(
            "cache_endpoint",
            "aws_elasticache_replication_group.main.primary_endpoint_address",
            "Primary endpoint of the cache.",
        )
    )
