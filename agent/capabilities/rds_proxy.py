"""RDS Proxy in front of the design's RDS instance or Aurora cluster: pooled connections (Lambda
bursts no longer exhaust the database), TLS required, credentials read from
the database's Secrets Manager secret. The application connects through the proxy."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.capabilities.cache_options import rewrite
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import egress, ingress, role, role_policy, security_group
from autcloud.agent.hcl import Block, Expr

BLOCK = "rds"
APP_TYPES = ("aws_lambda_function", "aws_ecs_task_definition", "aws_apprunner_service")


def build(bp: Blueprint, ctx: Context) -> None:
    cluster, instance = bp.find("aws_rds_cluster.main"), bp.find("aws_db_instance.main")
    database = cluster or instance
    if database is None:
        bp.notes.append("RDS Proxy was asked for, but the design has no relational database.")
        return
    engine = str(database.body.get("engine", "postgres"))
    postgres = "postgres" in engine
    port = 5432 if postgres else 3306
    prefix = "aws_rds_cluster.main" if cluster else "aws_db_instance.main"
    secret = Expr(f"{prefix}.master_user_secret[0].secret_arn")
    role(
        bp,
        "db_proxy",
        "rds.amazonaws.com",
        "The role RDS Proxy assumes to read the database credentials.",
        "security",
        BLOCK,
    )
    security_group(
        bp,
        "db_proxy",
        "Database proxy",
        "The proxy's firewall: the application tier in, the database out.",
        BLOCK,
    ).skip(
        "CKV2_AWS_5",
        "Attached to aws_db_proxy.main (vpc_security_group_ids), a resource this check does not follow",
    )
    clients = sorted(
        {
            r.name.removeprefix("database_from_")
            for r in bp.resources
            if r.name.startswith("database_from_") and r.type.endswith("ingress_rule")
        }
    )
    for client in clients:
        ingress(
            bp,
            f"db_proxy_from_{client}",
            "db_proxy",
            port,
            f"Database connections from the {client} tier to the proxy.",
            source_group=client,
            block=BLOCK,
        )
        egress(
            bp,
            f"{client}_to_db_proxy",
            client,
            port,
            f"The {client} tier reaches the proxy.",
            target_group="db_proxy",
            block=BLOCK,
        )
    ingress(
        bp,
        "database_from_db_proxy",
        "database",
        port,
        "Connections from the proxy.",
        source_group="db_proxy",
        block=BLOCK,
    )
    egress(
        bp,
        "db_proxy_to_database",
        "db_proxy",
        port,
        "The proxy reaches the database.",
        target_group="database",
        block=BLOCK,
    )
    role_policy(
        bp,
        "db_proxy",
        "read-database-secret",
        [
            {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": secret},
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        "Reads the database secret and decrypts it, nothing else.",
        "security",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_db_proxy",
            "main",
            "data",
            "RDS Proxy: pools connections so bursts of clients share a few database connections; "
            "TLS required, credentials from Secrets Manager.",
            {
                "name": interp("${local.name}-db-proxy"),
                "engine_family": "POSTGRESQL" if postgres else "MYSQL",
                "role_arn": Expr("aws_iam_role.db_proxy.arn"),
                "vpc_subnet_ids": Expr("aws_subnet.data[*].id"),
                "vpc_security_group_ids": [Expr("aws_security_group.db_proxy.id")],
                "require_tls": True,
                "idle_client_timeout": 1800,
                "auth": Block(
                    "auth",
                    body={
                        "auth_scheme": "SECRETS",
                        "iam_auth": "DISABLED",  # clients sign in with the secret's credentials, over TLS
                        "secret_arn": secret,
                    },
                ),
                "tags": tags("db-proxy"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_db_proxy_default_target_group",
            "main",
            "data",
            "How the proxy shares connections: up to 90% of the database's connections.",
            {
                "db_proxy_name": Expr("aws_db_proxy.main.name"),
                "connection_pool_config": Block(
                    "connection_pool_config",
                    body={
                        "max_connections_percent": 90,
                        "max_idle_connections_percent": 50,
                        "connection_borrow_timeout": 120,
                    },
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_db_proxy_target",
            "main",
            "data",
            "Points the proxy at the database.",
            {
                "db_proxy_name": Expr("aws_db_proxy.main.name"),
                "target_group_name": Expr("aws_db_proxy_default_target_group.main.name"),
                **(
                    {"db_cluster_identifier": Expr("aws_rds_cluster.main.cluster_identifier")}
                    if cluster
                    else {"db_instance_identifier": Expr("aws_db_instance.main.identifier")}
                ),
            },
            block=BLOCK,
        ),
    )
    # The application connects through the proxy.
    host = f"{prefix}.endpoint" if cluster else f"{prefix}.address"
    for spec in bp.resources:
        if spec.type in APP_TYPES:
            spec.body = rewrite(spec.body, host, "aws_db_proxy.main.endpoint")
    bp.out(Output("database_proxy_endpoint", "aws_db_proxy.main.endpoint", "RDS Proxy endpoint."))


CAPABILITY = declare("rds_proxy", build=build)
