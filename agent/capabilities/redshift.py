"""Amazon Redshift Serverless: a namespace encrypted with the project key, its admin password
managed by Secrets Manager, audit logs exported, and a workgroup in the private subnets that is
never publicly accessible."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, Variable, tags
from autcloud.agent.catalog.compute import security_group
from autcloud.agent.catalog.network import add_network
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("redshift")

BLOCK = "redshift"
CAPACITY_KEY = "redshift.base_capacity"
DEFAULT_RPU = 8
PORT = 5439
ZONES_NEEDED = 3  # a Redshift Serverless workgroup needs subnets in three zones


def read_capacity(text: str) -> Iterator[tuple[str, int]]:
    for pattern in PATTERNS.each("capacity"):
        match = pattern.search(text)
        if match:
            rpu = int(match.group(1))
            if 8 <= rpu <= 512:
                yield match.group(0).strip(), rpu
                return


def _three_zones(bp: Blueprint, ctx: Context) -> None:
    """The network spans three zones: Redshift Serverless refuses fewer."""
    if not bp.has("aws_vpc.main"):
        add_network(bp, dataclasses.replace(ctx, az_count=ZONES_NEEDED), isolated_subnets=False)
        return
    variable = bp.variables.get("az_count")
    if (
        variable is not None
        and isinstance(variable.default, int)
        and variable.default < ZONES_NEEDED
    ):
        bp.variables["az_count"] = dataclasses.replace(variable, default=ZONES_NEEDED)
        bp.notes.append(
            "The VPC spans three zones instead of two: Redshift Serverless needs subnets in three."
        )


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    _three_zones(bp, ctx)
    stated = ctx.req.params.get(CAPACITY_KEY)
    rpu = stated if isinstance(stated, int) else DEFAULT_RPU
    rpu = math.ceil(rpu / 8) * 8  # base capacity goes in steps of 8 RPUs
    capacity = bp.var(
        Variable(
            "redshift_base_capacity",
            "number",
            "Base capacity of the Redshift Serverless workgroup, in RPUs (8 to 512, steps of 8).",
            max(DEFAULT_RPU, rpu),
        )
    )
    security_group(
        bp,
        "redshift",
        "Redshift Serverless workgroup",
        "The data warehouse's firewall: SQL connections from inside the VPC only.",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_ingress_rule",
            "redshift_sql_in",
            "security",
            "SQL connections to the data warehouse from inside the VPC.",
            {
                "security_group_id": Expr("aws_security_group.redshift.id"),
                "description": "Redshift SQL from inside the VPC.",
                "ip_protocol": "tcp",
                "from_port": PORT,
                "to_port": PORT,
                "cidr_ipv4": Expr("aws_vpc.main.cidr_block"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_redshiftserverless_namespace",
            "warehouse",
            "analytics",
            "The data warehouse's databases and users: encrypted with the project key, the admin "
            "password generated and rotated by Secrets Manager, audit logs exported.",
            {
                "namespace_name": str(ctx.req.params[NAMESPACE_KEY])
                if ctx.req.params.get(NAMESPACE_KEY)
                else Expr('"${local.name}-warehouse"'),
                "db_name": "analytics",
                "admin_username": "warehouse_admin",
                "manage_admin_password": True,
                "admin_password_secret_kms_key_id": Expr("aws_kms_key.main.arn"),
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "log_exports": ["userlog", "connectionlog", "useractivitylog"],
                "tags": tags("warehouse"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_redshiftserverless_workgroup",
            "warehouse",
            "analytics",
            f"Serverless compute for the warehouse: {max(DEFAULT_RPU, rpu)} RPUs base, in the "
            "private subnets across three zones, not publicly accessible, traffic kept in the VPC.",
            {
                "namespace_name": Expr("aws_redshiftserverless_namespace.warehouse.namespace_name"),
                "workgroup_name": Expr('"${local.name}-warehouse"'),
                "base_capacity": capacity,
                "publicly_accessible": False,
                "enhanced_vpc_routing": True,
                "subnet_ids": Expr("aws_subnet.private[*].id"),
                "security_group_ids": [Expr("aws_security_group.redshift.id")],
                "config_parameter": [
                    Block(
                        "config_parameter",
                        body={"parameter_key": "require_ssl", "parameter_value": "true"},
                    ),
                    Block(
                        "config_parameter",
                        body={
                            "parameter_key": "enable_user_activity_logging",
                            "parameter_value": "true",
                        },
                    ),
                ],
                "tags": tags("warehouse"),
            },
            block=BLOCK,
        ),
    )
    bp.out(
        Output(
            "redshift_endpoint",
            "aws_redshiftserverless_workgroup.warehouse.endpoint",
            "Endpoint of the Redshift Serverless workgroup (inside the VPC).",
        ),
        Output(
            "redshift_admin_secret_arn",
            "aws_redshiftserverless_namespace.warehouse.admin_password_secret_arn",
            "Secrets Manager secret holding the warehouse admin password.",
        ),
    )


NAMESPACE_KEY = "redshift.namespace"
# A Kubernetes namespace ("a Fargate profile for the batch namespace") is not a warehouse's.
_NAMESPACE = only_about(
    PATTERNS["about_redshift"],
    reader(PATTERNS["namespace"], lambda m: next(g for g in m.groups() if g is not None)),
)


CAPABILITY = declare(
    "redshift", build=build, readers={CAPACITY_KEY: read_capacity, NAMESPACE_KEY: _NAMESPACE}
)
