"""VPCs, subnets, route tables, internet and NAT gateways, security groups and their rules."""

from __future__ import annotations

from typing import Any

from autcloud.agent.hcl import Block
from autcloud.aws import Resource
from autcloud.scanner.context import ScanContext
from autcloud.scanner.model import Found, Ref

# Route targets, as (EC2 API field, Terraform `route` argument).
_ROUTE_TARGETS = (
    ("GatewayId", "gateway_id"),
    ("NatGatewayId", "nat_gateway_id"),
    ("TransitGatewayId", "transit_gateway_id"),
    ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
    ("EgressOnlyInternetGatewayId", "egress_only_gateway_id"),
    ("NetworkInterfaceId", "network_interface_id"),
    ("CarrierGatewayId", "carrier_gateway_id"),
    ("LocalGatewayId", "local_gateway_id"),
    ("CoreNetworkArn", "core_network_arn"),
)
_ROUTE_DESTINATIONS = (
    ("DestinationCidrBlock", "cidr_block"),
    ("DestinationIpv6CidrBlock", "ipv6_cidr_block"),
    ("DestinationPrefixListId", "destination_prefix_list_id"),
)


def collect_vpcs(ctx: ScanContext) -> list[Found]:
    ec2 = ctx.client("ec2")
    vpcs = ctx.resources("ec2:vpc")

    def dns(vpc: Resource) -> tuple[bool, bool]:
        # Two calls per VPC: the only API that reports these settings.
        vpc_id = vpc.item["VpcId"]
        support = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
        hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
        return (
            bool(support["EnableDnsSupport"]["Value"]),
            bool(hostnames["EnableDnsHostnames"]["Value"]),
        )

    found = []
    for resource, (dns_support, dns_hostnames) in zip(vpcs, ctx.each(dns, vpcs), strict=True):
        vpc, tags = resource.item, resource.tags or {}
        default = bool(vpc.get("IsDefault"))
        arguments: dict[str, Any] = {
            "enable_dns_support": dns_support,
            "enable_dns_hostnames": dns_hostnames,
        }
        if not default:
            arguments["instance_tenancy"] = vpc.get("InstanceTenancy", "default")
        found.append(
            ctx.record(
                "aws_default_vpc" if default else "aws_vpc",
                vpc,
                name="default" if default else None,
                tags=tags,
                arguments=arguments,
            )
        )
    return found


def collect_subnets(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("ec2:subnet"):
        subnet, tags = resource.item, resource.tags or {}
        default = bool(subnet.get("DefaultForAz"))
        arguments: dict[str, Any] = {
            "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
        }
        if not default:
            arguments["vpc_id"] = Ref(subnet["VpcId"])
            ipv6 = [
                item["Ipv6CidrBlock"]
                for item in subnet.get("Ipv6CidrBlockAssociationSet", [])
                if item.get("Ipv6CidrBlockState", {}).get("State") == "associated"
            ]
            if ipv6:
                arguments["ipv6_cidr_block"] = ipv6[0]
        found.append(
            ctx.record(
                "aws_default_subnet" if default else "aws_subnet",
                subnet,
                name=f"subnet_{subnet['AvailabilityZone']}",
                tags=tags,
                arguments=arguments,
                aliases={"vpc": subnet["VpcId"]},
            )
        )
    return found


def collect_route_tables(ctx: ScanContext) -> list[Found]:
    """Route tables with their routes, and one association resource per associated subnet.

    A VPC's main route table becomes ``aws_default_route_table`` (imported by VPC ID): it exists
    as long as the VPC does, so it must be adopted, never created.
    """
    found: list[Found] = []
    for resource in ctx.resources("ec2:route-table"):
        table, tags = resource.item, resource.tags or {}
        table_id = table["RouteTableId"]
        main = any(item.get("Main") for item in table.get("Associations", []))
        routes = [_route_block(route) for route in table.get("Routes", [])]
        blocks = {"route": [block for block in routes if block is not None]}
        if main:
            vpc = Ref(table["VpcId"], "default_route_table_id", literal=table_id)
            kind, arguments = "aws_default_route_table", {"default_route_table_id": vpc}
        else:
            kind, arguments = "aws_route_table", {"vpc_id": Ref(table["VpcId"])}
        found.append(ctx.record(kind, table, tags=tags, arguments=arguments, blocks=blocks))
        for association in table.get("Associations", []):
            subnet_id = association.get("SubnetId")
            state = association.get("AssociationState", {}).get("State", "associated")
            if association.get("Main") or not subnet_id or state != "associated":
                continue
            found.append(
                ctx.record(
                    "aws_route_table_association",
                    association,
                    imported_as=f"{subnet_id}/{table_id}",
                    arguments={"subnet_id": Ref(subnet_id), "route_table_id": Ref(table_id)},
                    parent=table_id,
                    taggable=False,
                )
            )
    return found


def _route_block(route: dict[str, Any]) -> Block | None:
    if route.get("GatewayId") == "local" or route.get("Origin") != "CreateRoute":
        return None  # the VPC's local route and propagated routes are not configuration
    body: dict[str, Any] = {}
    for field, argument in _ROUTE_DESTINATIONS:
        if route.get(field):
            body[argument] = route[field]
    for field, argument in _ROUTE_TARGETS:
        if route.get(field):
            body[argument] = Ref(route[field])
    return Block("route", body=body) if len(body) >= 2 else None


def collect_internet_gateways(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("ec2:internet-gateway"):
        gateway, tags = resource.item, resource.tags or {}
        attached = [item["VpcId"] for item in gateway.get("Attachments", []) if item.get("VpcId")]
        found.append(
            ctx.record(
                "aws_internet_gateway",
                gateway,
                name=attached[0] if attached else None,
                tags=tags,
                arguments={"vpc_id": Ref(attached[0])} if attached else {},
            )
        )
    return found


def collect_nat_gateways(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("ec2:natgateway"):
        gateway, tags = resource.item, resource.tags or {}
        connectivity = gateway.get("ConnectivityType")
        arguments: dict[str, Any] = {"subnet_id": Ref(gateway["SubnetId"])}
        addresses = gateway.get("NatGatewayAddresses", [])
        primary = next((item for item in addresses if item.get("AllocationId")), None)
        if connectivity != "private" and primary:
            arguments["allocation_id"] = primary["AllocationId"]
        found.append(
            ctx.record(
                "aws_nat_gateway",
                gateway,
                tags=tags,
                arguments=arguments,
                # Not reported: the provider's default ("public") would replace the gateway.
                unrecorded=() if connectivity else ("connectivity_type",),
            )
        )
    return found


def collect_security_groups(ctx: ScanContext) -> list[Found]:
    """Security groups, and each rule as its own resource (rules may reference other groups,
    and separate rule resources are what the provider recommends: no dependency cycles)."""
    groups = ctx.resources("ec2:security-group")
    names = {group.item["GroupId"]: group.item["GroupName"] for group in groups}
    found: list[Found] = []
    defaults = set()
    for resource in groups:
        group, tags = resource.item, resource.tags or {}
        default = group["GroupName"] == "default"
        if default:
            defaults.add(group["GroupId"])
        found.append(
            ctx.record(
                "aws_security_group",
                group,
                name=group["GroupName"] if not default else f"{group.get('VpcId')}_default",
                tags=tags,
                arguments={
                    "description": group.get("Description", ""),
                    "vpc_id": Ref(group["VpcId"]) if group.get("VpcId") else None,
                },
                skip_reason=(
                    "the VPC's default security group: adopting it with "
                    "aws_default_security_group would remove its rules, so it is left alone"
                    if default
                    else None
                ),
            )
        )
    for rule in ctx.resources("ec2:security-group-rule"):
        group_id = rule.item["GroupId"]
        found.append(_rule(ctx, rule, names.get(group_id, group_id), names, group_id in defaults))
    return found


def _rule(
    ctx: ScanContext, resource: Resource, group_name: str, names: dict[str, str], default: bool
) -> Found:
    rule = resource.item
    egress = bool(rule.get("IsEgress"))
    protocol = str(rule.get("IpProtocol", "-1"))
    arguments: dict[str, Any] = {
        "security_group_id": Ref(rule["GroupId"]),
        "ip_protocol": protocol,
        "description": rule.get("Description") or None,
    }
    if protocol != "-1":  # "all traffic" rules take no ports
        arguments["from_port"] = rule.get("FromPort")
        arguments["to_port"] = rule.get("ToPort")
    peer = "all"
    if rule.get("CidrIpv4"):
        arguments["cidr_ipv4"] = rule["CidrIpv4"]
        peer = "anywhere" if rule["CidrIpv4"] == "0.0.0.0/0" else rule["CidrIpv4"]
    elif rule.get("CidrIpv6"):
        arguments["cidr_ipv6"] = rule["CidrIpv6"]
        peer = "anywhere_v6" if rule["CidrIpv6"] == "::/0" else rule["CidrIpv6"]
    elif rule.get("PrefixListId"):
        arguments["prefix_list_id"] = rule["PrefixListId"]
        peer = rule["PrefixListId"]
    elif rule.get("ReferencedGroupInfo", {}).get("GroupId"):
        other = rule["ReferencedGroupInfo"]["GroupId"]
        arguments["referenced_security_group_id"] = Ref(other)
        peer = names.get(other, other)
    ports = "all" if protocol == "-1" else f"{protocol}_{rule.get('FromPort')}"
    direction = "egress" if egress else "ingress"
    return ctx.found(
        f"aws_vpc_security_group_{direction}_rule",
        rule["SecurityGroupRuleId"],
        name=f"{group_name}_{direction}_{ports}_{'to' if egress else 'from'}_{peer}",
        tags=resource.tags,
        arguments=arguments,
        parent=rule["GroupId"],
        skip_reason="a rule of the VPC's default security group (not exported)"
        if default
        else None,
    )
