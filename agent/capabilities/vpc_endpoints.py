"""VPC endpoints (PrivateLink): AWS API traffic from the private subnets stays on the AWS network.

Gateway endpoints for S3 and DynamoDB on the private route tables (the network block already
declares them; they are added here only if missing), and interface endpoints for ECR (API and
Docker), CloudWatch Logs, Secrets Manager and STS in the private subnets, reachable on 443 from
inside the VPC only.
"""

from __future__ import annotations

import dataclasses

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, Variable, interp, tags
from autcloud.agent.catalog.compute import security_group
from autcloud.agent.hcl import Expr

BLOCK = "vpc_endpoints"
INTERFACE_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"]


def build(bp: Blueprint, ctx: Context) -> None:
    vpc = bp.require(
        "aws_vpc.main",
        "VPC endpoints were asked for, but nothing in this design runs in a VPC, so there is nothing to connect.",
    )
    if vpc is None:
        return
    bp.blocks.append(BLOCK)
    for service in ("s3", "dynamodb"):
        if not bp.has(f"aws_vpc_endpoint.{service}"):
            bp.add(
                ResourceSpec(
                    "aws_vpc_endpoint",
                    service,
                    "network",
                    f"Gateway endpoint: {service} traffic from the private subnets stays on the AWS network.",
                    {
                        "vpc_id": Expr("aws_vpc.main.id"),
                        "service_name": interp(f"com.amazonaws.${{var.region}}.{service}"),
                        "vpc_endpoint_type": "Gateway",
                        "route_table_ids": Expr("aws_route_table.private[*].id"),
                        "tags": tags(f"{service}-endpoint"),
                    },
                    block=BLOCK,
                )
            )
    add_interface_endpoints(
        bp,
        endpoint="interface",
        group="vpc_endpoints",
        services=INTERFACE_SERVICES,
        variable=Variable(
            "interface_endpoint_services",
            "set(string)",
            "AWS services reached through interface endpoints (PrivateLink) from the private subnets.",
        ),
        reason="Interface endpoints (ECR, CloudWatch Logs, Secrets Manager, STS): image pulls, logs "
        "and secrets stay off the NAT gateway and the internet.",
        block=BLOCK,
    )


def add_interface_endpoints(
    bp: Blueprint,
    *,
    endpoint: str,
    group: str,
    services: list[str],
    variable: Variable,
    reason: str,
    block: str,
) -> None:
    """Interface endpoints for ``services`` (a set variable) in the private subnets, behind a
    security group that admits HTTPS from inside the VPC only."""
    names = bp.var(dataclasses.replace(variable, default=list(services)))
    security_group(
        bp,
        group,
        "Interface VPC endpoints",
        "The endpoints' firewall: HTTPS from inside the VPC only.",
        block,
    )
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_ingress_rule",
            f"{group}_https",
            "security",
            "HTTPS to the AWS APIs from inside the VPC only.",
            {
                "security_group_id": Expr(f"aws_security_group.{group}.id"),
                "description": "HTTPS from inside the VPC",
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": Expr("var.vpc_cidr"),
            },
            block=block,
        ),
        ResourceSpec(
            "aws_vpc_endpoint",
            endpoint,
            "network",
            reason,
            {
                "for_each": names,
                "vpc_id": Expr("aws_vpc.main.id"),
                "service_name": interp("com.amazonaws.${var.region}.${each.value}"),
                "vpc_endpoint_type": "Interface",
                "subnet_ids": Expr("aws_subnet.private[*].id"),
                "security_group_ids": [Expr(f"aws_security_group.{group}.id")],
                "private_dns_enabled": True,
                "tags": tags("${each.value}-endpoint"),
            },
            block=block,
        ),
    )


CAPABILITY = declare("vpc_endpoints", build=build)
