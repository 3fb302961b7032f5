"""Networking: a VPC across zones, tiered subnets, gateways, routes, flow logs, endpoints."""

from __future__ import annotations

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
from autcloud.agent.catalog.compute import role, role_policy
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr

# The services a free gateway endpoint keeps off the NAT path, and why each is there.
GATEWAY_ENDPOINTS = {
    "s3": "Gateway endpoint: S3 traffic stays on the AWS network and skips NAT charges.",
    "dynamodb": "Gateway endpoint for DynamoDB: free, private and off the NAT path.",
}

# The subnet tiers, one subnet per zone each: where their /24s start in the VPC's range, and
# the role tag by which Kubernetes' load balancer controller finds them.
SUBNET_OFFSETS = {"public": 0, "private": 10, "data": 20}
SUBNET_ELB_ROLES = {
    "public": "kubernetes.io/role/elb",
    "private": "kubernetes.io/role/internal-elb",
}


def spanned_zones(bp: Blueprint, ctx: Context) -> int:
    """Zones the private subnets span (another capability may have widened the network)."""
    variable = bp.variables.get("az_count")
    return (
        variable.default
        if variable is not None and isinstance(variable.default, int)
        else ctx.az_count
    )


def add_network(bp: Blueprint, ctx: Context, *, isolated_subnets: bool) -> None:
    bp.blocks.append("network")
    cidr = bp.var(
        Variable(
            "vpc_cidr",
            "string",
            "CIDR block of the VPC.",
            "10.0.0.0/16",
            validation=(
                "can(cidrhost(var.vpc_cidr, 0))",
                "vpc_cidr must be a valid IPv4 CIDR block, such as 10.0.0.0/16.",
            ),
        )
    )
    az_count = bp.var(
        Variable(
            "az_count",
            "number",
            "How many availability zones the VPC spans.",
            ctx.az_count,
            validation=("var.az_count >= 2 && var.az_count <= 3", "az_count must be 2 or 3."),
        )
    )
    bp.locals["azs"] = Expr(
        f"slice(data.aws_availability_zones.available.names, 0, {az_count.text})"
    )
    bp.add(
        ResourceSpec(
            "aws_availability_zones",
            "available",
            "network",
            "Zones to spread subnets over, read at plan time instead of hard-coded.",
            {
                "state": "available",
                "filter": Block(
                    "filter", body={"name": "opt-in-status", "values": ["opt-in-not-required"]}
                ),
            },
            data_source=True,
            block="network",
            comments=(
                "checkov:skip=CKV_AWS_394:Subnets take the first zones once, at creation; a new zone never moves them",
            ),
        ),
        ResourceSpec(
            "aws_vpc",
            "main",
            "network",
            f"One VPC for the workload, spread over {ctx.az_count} availability zones.",
            {
                "cidr_block": cidr,
                "enable_dns_support": True,
                "enable_dns_hostnames": True,
                "tags": tags("vpc"),
            },
            block="network",
        ),
        ResourceSpec(
            "aws_default_security_group",
            "default",
            "network",
            "Locks down the VPC's default security group so nothing uses it by accident.",
            {"vpc_id": Expr("aws_vpc.main.id"), "tags": tags("default-deny")},
            block="network",
        ),
        ResourceSpec(
            "aws_internet_gateway",
            "main",
            "network",
            "Internet access for the public subnets (load balancers, NAT).",
            {"vpc_id": Expr("aws_vpc.main.id"), "tags": tags("igw")},
            block="network",
        ),
        _subnets(
            cidr,
            "public",
            "Public subnets, one per zone, for load balancers and NAT gateways only.",
            map_public_ip_on_launch=False,
        ),
        _subnets(cidr, "private", "Private subnets, one per zone, for the application tier."),
    )
    if isolated_subnets:
        bp.add(
            _subnets(
                cidr,
                "data",
                "Isolated subnets, one per zone, for databases and caches: no route to the internet.",
            )
        )
    nat_count = "var.az_count" if ctx.nat_per_az else "1"
    nat_reason = (
        "A NAT gateway per zone, so losing one zone never cuts the others off."
        if ctx.nat_per_az
        else "One shared NAT gateway: the cost-aware choice when zone-level outbound resilience was not asked for."
    )
    bp.add(
        ResourceSpec(
            "aws_eip",
            "nat",
            "network",
            "Static public addresses for the NAT gateways.",
            {
                "count": Expr(nat_count),
                "domain": "vpc",
                "tags": tags("nat-${count.index}"),
                "depends_on": [Expr("aws_internet_gateway.main")],
            },
            block="network",
        ),
        ResourceSpec(
            "aws_nat_gateway",
            "main",
            "network",
            nat_reason,
            {
                "count": Expr(nat_count),
                "allocation_id": Expr("aws_eip.nat[count.index].id"),
                "subnet_id": Expr("aws_subnet.public[count.index].id"),
                "tags": tags("nat-${count.index}"),
            },
            block="network",
        ),
        _route_table(
            "public",
            "Routes the public subnets to the internet gateway.",
            gateway_id=Expr("aws_internet_gateway.main.id"),
        ),
        _associations(
            "public", "aws_route_table.public", "Attaches each public subnet to the public routes."
        ),
        _route_table(
            "private",
            "Routes each private subnet out through a NAT gateway.",
            per_zone=True,
            nat_gateway_id=Expr(
                "aws_nat_gateway.main[count.index].id"
                if ctx.nat_per_az
                else "aws_nat_gateway.main[0].id"
            ),
        ),
        _associations(
            "private",
            "aws_route_table.private[count.index]",
            "Attaches each private subnet to its zone's routes.",
        ),
    )
    route_tables = "concat([aws_route_table.public.id], aws_route_table.private[*].id)"
    if isolated_subnets:
        bp.add(
            _route_table("data", "Local-only routes for the isolated data subnets."),
            _associations(
                "data",
                "aws_route_table.data",
                "Attaches each data subnet to the local-only routes.",
            ),
        )
        route_tables = "concat([aws_route_table.public.id, aws_route_table.data.id], aws_route_table.private[*].id)"
    for service, reason in GATEWAY_ENDPOINTS.items():
        bp.add(
            ResourceSpec(
                "aws_vpc_endpoint",
                service,
                "network",
                reason,
                {
                    "vpc_id": Expr("aws_vpc.main.id"),
                    "service_name": interp(f"com.amazonaws.${{var.region}}.{service}"),
                    "vpc_endpoint_type": "Gateway",
                    "route_table_ids": Expr(route_tables),
                    "tags": tags(f"{service}-endpoint"),
                },
                block="network",
            )
        )
    _flow_logs(bp)
    bp.out(
        Output("vpc_id", "aws_vpc.main.id", "ID of the VPC."),
        Output("public_subnet_ids", "aws_subnet.public[*].id", "IDs of the public subnets."),
        Output(
            "private_subnet_ids",
            "aws_subnet.private[*].id",
            "IDs of the private (application) subnets.",
        ),
    )


def _subnets(cidr: Expr, tier: str, reason: str, **settings: Any) -> ResourceSpec:
    """The tier's subnets, one /24 per zone, with any ``settings`` of the tier's own."""
    offset = SUBNET_OFFSETS[tier]
    elb_role = SUBNET_ELB_ROLES.get(tier)
    return ResourceSpec(
        "aws_subnet",
        tier,
        "network",
        reason,
        {
            "count": Expr("length(local.azs)"),
            "vpc_id": Expr("aws_vpc.main.id"),
            "cidr_block": Expr(
                f"cidrsubnet({cidr.text}, 8, count.index{f' + {offset}' if offset else ''})"
            ),
            "availability_zone": Expr("local.azs[count.index]"),
            **settings,
            "tags": tags(
                f"{tier}-${{local.azs[count.index]}}",
                Tier=tier,
                **({elb_role: "1"} if elb_role else {}),
            ),
        },
        block="network",
    )


def _route_table(
    tier: str, reason: str, *, per_zone: bool = False, **default_route: Expr
) -> ResourceSpec:
    """The tier's route table, one per zone when ``per_zone``. ``default_route`` names the
    gateway of its 0.0.0.0/0 route (``gateway_id=...``, ``nat_gateway_id=...``); without one
    the table routes inside the VPC only."""
    body: dict[str, Any] = {"count": Expr("length(local.azs)")} if per_zone else {}
    body["vpc_id"] = Expr("aws_vpc.main.id")
    if default_route:
        body["route"] = Block("route", body={"cidr_block": "0.0.0.0/0", **default_route})
    body["tags"] = tags(f"{tier}-${{local.azs[count.index]}}" if per_zone else tier)
    return ResourceSpec("aws_route_table", tier, "network", reason, body, block="network")


def _associations(tier: str, route_table: str, reason: str) -> ResourceSpec:
    """Each subnet of the tier attached to ``route_table`` (an address)."""
    return ResourceSpec(
        "aws_route_table_association",
        tier,
        "network",
        reason,
        {
            "count": Expr("length(local.azs)"),
            "subnet_id": Expr(f"aws_subnet.{tier}[count.index].id"),
            "route_table_id": Expr(f"{route_table}.id"),
        },
        block="network",
    )


def _flow_logs(bp: Blueprint) -> None:
    log_group(
        bp,
        "flow_logs",
        "/aws/vpc/${local.name}/flow-logs",
        "Keeps VPC flow logs for incident investigation, encrypted, with bounded retention.",
        "network",
        "network",
    )
    role(
        bp,
        "flow_logs",
        "vpc-flow-logs.amazonaws.com",
        "Lets the flow-log service write to its log group, nothing more.",
        "network",
        "network",
    )
    role_policy(
        bp,
        "flow_logs",
        "write-flow-logs",
        [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": Expr('"${aws_cloudwatch_log_group.flow_logs.arn}:*"'),
            }
        ],
        "The flow-log role's only permission: its own log group.",
        "network",
        "network",
    )
    bp.add(
        ResourceSpec(
            "aws_flow_log",
            "main",
            "network",
            "Records all VPC traffic metadata (accepted and rejected).",
            {
                "vpc_id": Expr("aws_vpc.main.id"),
                "traffic_type": "ALL",
                "log_destination": Expr("aws_cloudwatch_log_group.flow_logs.arn"),
                "iam_role_arn": Expr("aws_iam_role.flow_logs.arn"),
                "tags": tags("flow-logs"),
            },
            block="network",
        ),
    )
