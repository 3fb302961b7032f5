"""AWS Site-to-Site VPN: an IPsec connection between the office (customer gateway) and the VPC,
with static routes, both tunnels logged, and the office routes propagated to the private subnets."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, Variable, tags
from autcloud.agent.catalog.network import add_network
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("site_vpn")

DEFAULT_OFFICE_CIDR = "192.168.0.0/16"


def _public_ip(match: re.Match[str]) -> str | None:
    text = next(g for g in match.groups() if g)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return str(address)


def _network(match: re.Match[str]) -> str | None:
    text = next(g for g in match.groups() if g)
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return None


def _only_with_vpn(
    read: Callable[[str], Iterator[tuple[str, Any]]],
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    """An office address is a VPN parameter only in a message about a VPN ("only from our
    office 203.0.113.10" alone is an access rule, not a tunnel)."""
    return only_about(PATTERNS["vpn_talk"], read)


_GATEWAY_IP = reader(PATTERNS["gateway_ip"], _public_ip)
_OFFICE_CIDR = reader(PATTERNS["office_cidr"], _network)


def _asn(match: re.Match[str]) -> int | None:
    number = int(next(g for g in match.groups() if g))
    return number if 1 <= number <= 4294967294 else None


_BGP_ASN = reader(PATTERNS["bgp_asn"], _asn)


def build(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    bp.blocks.append("site_vpn")
    ip = ctx.req.params.get("vpn.customer_gateway_ip")
    office = ctx.req.params.get("vpn.office_cidr")
    gateway_ip = bp.var(
        Variable(
            "customer_gateway_ip",
            "string",
            "Public IPv4 address of the office VPN device (the customer gateway)."
            + ("" if ip else " Required: no address was stated."),
            str(ip) if ip else None,
            validation=(
                'can(regex("^\\\\d{1,3}(\\\\.\\\\d{1,3}){3}$", var.customer_gateway_ip))',
                "customer_gateway_ip must be an IPv4 address, such as 203.0.113.10.",
            ),
        )
    )
    asn = bp.var(
        Variable(
            "customer_gateway_bgp_asn",
            "number",
            "BGP ASN of the office device (a private ASN if it has none; static routing ignores it).",
            int(ctx.req.params.get("vpn.bgp_asn") or 65000),
        )
    )
    office_cidr = bp.var(
        Variable(
            "office_cidr",
            "string",
            "The office network, routed over the VPN; must not overlap vpc_cidr.",
            str(office) if office else DEFAULT_OFFICE_CIDR,
            validation=(
                "can(cidrhost(var.office_cidr, 0))",
                "office_cidr must be an IPv4 CIDR block.",
            ),
        )
    )
    log_group(
        bp,
        "site_vpn",
        "/aws/vpn/${local.name}",
        "IPsec tunnel logs (negotiation, up/down) for both tunnels, encrypted.",
        "network",
        "site_vpn",
    )
    tunnel: dict[str, object] = {}
    for n in (1, 2):
        tunnel.update(
            {
                f"tunnel{n}_ike_versions": ["ikev2"],
                f"tunnel{n}_phase1_encryption_algorithms": ["AES256", "AES256-GCM-16"],
                f"tunnel{n}_phase1_integrity_algorithms": ["SHA2-256", "SHA2-384"],
                f"tunnel{n}_phase1_dh_group_numbers": [20, 21],
                f"tunnel{n}_phase2_encryption_algorithms": ["AES256", "AES256-GCM-16"],
                f"tunnel{n}_phase2_integrity_algorithms": ["SHA2-256", "SHA2-384"],
                f"tunnel{n}_phase2_dh_group_numbers": [20, 21],
                f"tunnel{n}_log_options": Block(
                    f"tunnel{n}_log_options",
                    body={
                        "cloudwatch_log_options": Block(
                            "cloudwatch_log_options",
                            body={
                                "log_enabled": True,
                                "log_group_arn": Expr("aws_cloudwatch_log_group.site_vpn.arn"),
                                "log_output_format": "json",
                            },
                        )
                    },
                ),
            }
        )
    bp.add(
        ResourceSpec(
            "aws_vpn_gateway",
            "main",
            "network",
            "The VPC's side of the VPN (virtual private gateway).",
            {"vpc_id": Expr("aws_vpc.main.id"), "tags": tags("vgw")},
            block="site_vpn",
        ),
        ResourceSpec(
            "aws_customer_gateway",
            "office",
            "network",
            "The office's side of the VPN: its device's public address.",
            {
                "bgp_asn": asn,
                "ip_address": gateway_ip,
                "type": "ipsec.1",
                "tags": tags("office"),
            },
            block="site_vpn",
        ),
        ResourceSpec(
            "aws_vpn_connection",
            "office",
            "network",
            "Two redundant IPsec tunnels to the office: IKEv2, AES-256, SHA-2, static routes, logged.",
            {
                "vpn_gateway_id": Expr("aws_vpn_gateway.main.id"),
                "customer_gateway_id": Expr("aws_customer_gateway.office.id"),
                "type": "ipsec.1",
                "static_routes_only": True,
                **tunnel,
                "tags": tags("office-vpn"),
            },
            block="site_vpn",
        ),
        ResourceSpec(
            "aws_vpn_connection_route",
            "office",
            "network",
            "Sends traffic for the office network down the tunnels.",
            {
                "destination_cidr_block": office_cidr,
                "vpn_connection_id": Expr("aws_vpn_connection.office.id"),
            },
            block="site_vpn",
        ),
        ResourceSpec(
            "aws_vpn_gateway_route_propagation",
            "private",
            "network",
            "The private subnets learn the office routes from the VPN gateway.",
            {
                "count": Expr("length(local.azs)"),
                "vpn_gateway_id": Expr("aws_vpn_gateway.main.id"),
                "route_table_id": Expr("aws_route_table.private[count.index].id"),
            },
            block="site_vpn",
        ),
    )
    bp.out(
        Output(
            "vpn_connection_id",
            "aws_vpn_connection.office.id",
            "Site-to-Site VPN: download the device configuration for it in the VPC console.",
        ),
        Output(
            "vpn_tunnel_addresses",
            "[aws_vpn_connection.office.tunnel1_address, aws_vpn_connection.office.tunnel2_address]",
            "AWS tunnel endpoints to configure on the office device.",
        ),
    )


CAPABILITY = declare(
    "site_vpn",
    build=build,
    readers={
        "vpn.customer_gateway_ip": _only_with_vpn(_GATEWAY_IP),
        "vpn.office_cidr": _only_with_vpn(_OFFICE_CIDR),
        "vpn.bgp_asn": _only_with_vpn(_BGP_ASN),
    },
)
