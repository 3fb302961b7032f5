"""AWS Client VPN: people reach the private network from their laptops, with mutual TLS,
split tunnelling and every connection logged."""

from __future__ import annotations

import ipaddress
import re

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.compute import security_group
from autcloud.agent.catalog.network import add_network
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("client_vpn")

DEFAULT_CLIENT_CIDR = "172.16.0.0/22"


def _cidr(match: re.Match[str]) -> str | None:
    groups = [g for g in match.groups() if g]
    try:
        network = ipaddress.ip_network(groups[0], strict=False)
    except ValueError:
        return None
    if not 12 <= network.prefixlen <= 22:
        return None  # Client VPN takes /12 to /22
    return str(network)


_CLIENT_CIDR = reader(PATTERNS["client_cidr"], _cidr)

_FEDERATED = reader(PATTERNS["federated"], lambda m: "federated-authentication")

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "하나": 1,
    "한": 1,
    "두": 2,
    "둘": 2,
    "세": 3,
    "셋": 3,
}


def _count(match: re.Match[str]) -> int | None:
    word = next(g for g in match.groups() if g).lower()
    number = int(word) if word.isdigit() else _WORD_NUMBERS.get(word)
    return number if number is not None and 1 <= number <= 3 else None


_ASSOCIATIONS = reader(PATTERNS["associations"], _count)

_OVERLAP = (
    'cidrhost("${cidrhost(var.client_vpn_cidr, 0)}/${split("/", var.vpc_cidr)[1]}", 0) == cidrhost(var.vpc_cidr, 0)'
    ' || cidrhost("${cidrhost(var.vpc_cidr, 0)}/${split("/", var.client_vpn_cidr)[1]}", 0) == cidrhost(var.client_vpn_cidr, 0)'
)


def _authentication(bp: Blueprint, ctx: Context, client_root: Expr, server_cert: Expr) -> Block:
    if ctx.req.params.get("vpn.authentication") != "federated-authentication":
        return Block(
            "authentication_options",
            body={
                "type": "certificate-authentication",
                "root_certificate_chain_arn": Expr(
                    f'{client_root.text} != "" ? {client_root.text} : {server_cert.text}'
                ),
            },
        )
    saml = bp.var(
        Variable(
            "client_vpn_saml_provider_arn",
            "string",
            "Required. ARN of the IAM SAML identity provider for your IdP (IAM > Identity providers > "
            "Add provider > SAML, with the IdP's metadata XML); VPN users sign in through it.",
            validation=(
                'can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:saml-provider/", var.client_vpn_saml_provider_arn))',
                "client_vpn_saml_provider_arn must be an IAM SAML provider ARN.",
            ),
        )
    )
    return Block(
        "authentication_options",
        body={"type": "federated-authentication", "saml_provider_arn": saml},
    )


def build(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    bp.blocks.append("client_vpn")
    stated = ctx.req.params.get("vpn.client_cidr")
    client_cidr = str(stated) if stated else DEFAULT_CLIENT_CIDR
    if ipaddress.ip_network(client_cidr).overlaps(ipaddress.ip_network("10.0.0.0/16")):
        bp.notes.append(
            f"Client VPN: {client_cidr} overlaps the default VPC range 10.0.0.0/16; change vpc_cidr "
            "or client_vpn_cidr before applying (a precondition stops the plan otherwise)."
        )
    server_cert = bp.var(
        Variable(
            "client_vpn_server_certificate_arn",
            "string",
            "Required. ARN of the Client VPN server certificate in ACM. Create a CA and a server "
            "certificate (e.g. easy-rsa: ./easyrsa init-pki; ./easyrsa build-ca nopass; ./easyrsa "
            "build-server-full server nopass), then import it: aws acm import-certificate "
            "--certificate fileb://server.crt --private-key fileb://server.key "
            "--certificate-chain fileb://ca.crt.",
            validation=(
                'can(regex("^arn:aws[a-z-]*:acm:", var.client_vpn_server_certificate_arn))',
                "client_vpn_server_certificate_arn must be an ACM certificate ARN.",
            ),
        )
    )
    client_root = bp.var(
        Variable(
            "client_vpn_client_root_certificate_arn",
            "string",
            "ARN in ACM of the CA that signs client certificates; empty uses the server certificate's chain "
            "(import the CA the same way, with ./easyrsa build-client-full <name> nopass for each person).",
            "",
        )
    )
    client_cidr_var = bp.var(
        Variable(
            "client_vpn_cidr",
            "string",
            "Addresses handed to VPN clients (/12 to /22); must not overlap vpc_cidr.",
            client_cidr,
            validation=(
                'can(cidrhost(var.client_vpn_cidr, 0)) && tonumber(split("/", var.client_vpn_cidr)[1]) >= 12 && tonumber(split("/", var.client_vpn_cidr)[1]) <= 22',
                "client_vpn_cidr must be an IPv4 CIDR block from /12 to /22, such as 172.16.0.0/22.",
            ),
        )
    )
    log_group(
        bp,
        "client_vpn",
        "/aws/client-vpn/${local.name}",
        "Every VPN connection attempt, who and when, encrypted.",
        "network",
        "client_vpn",
    )
    security_group(
        bp,
        "client_vpn",
        "Client VPN endpoint",
        "The VPN endpoint's firewall: connected people reach only the VPC.",
        "client_vpn",
    )
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_log_stream",
            "client_vpn",
            "network",
            "The stream the VPN writes its connection log to.",
            {
                "name": "connections",
                "log_group_name": Expr("aws_cloudwatch_log_group.client_vpn.name"),
            },
            block="client_vpn",
        ),
        ResourceSpec(
            "aws_vpc_security_group_egress_rule",
            "client_vpn_to_vpc",
            "security",
            "VPN users reach addresses inside the VPC only (their other traffic stays local).",
            {
                "security_group_id": Expr("aws_security_group.client_vpn.id"),
                "description": "VPN users to the VPC",
                "ip_protocol": "-1",
                "cidr_ipv4": Expr("var.vpc_cidr"),
            },
            block="client_vpn",
        ),
        ResourceSpec(
            "aws_ec2_client_vpn_endpoint",
            "main",
            "network",
            "Remote access for people: mutual-TLS certificates, split tunnel (only VPC traffic goes through), logged.",
            {
                "description": interp("${local.name} client VPN"),
                "server_certificate_arn": server_cert,
                "client_cidr_block": client_cidr_var,
                "split_tunnel": True,
                "vpc_id": Expr("aws_vpc.main.id"),
                "security_group_ids": [Expr("aws_security_group.client_vpn.id")],
                "dns_servers": [Expr("cidrhost(var.vpc_cidr, 2)")],
                "transport_protocol": "udp",
                "session_timeout_hours": 8,
                "authentication_options": _authentication(bp, ctx, client_root, server_cert),
                "connection_log_options": Block(
                    "connection_log_options",
                    body={
                        "enabled": True,
                        "cloudwatch_log_group": Expr("aws_cloudwatch_log_group.client_vpn.name"),
                        "cloudwatch_log_stream": Expr("aws_cloudwatch_log_stream.client_vpn.name"),
                    },
                ),
                "lifecycle": Block(
                    "lifecycle",
                    body={
                        "precondition": Block(
                            "precondition",
                            body={
                                "condition": Expr(f"!({_OVERLAP})"),
                                "error_message": "client_vpn_cidr must not overlap vpc_cidr.",
                            },
                        )
                    },
                ),
                "tags": tags("client-vpn"),
            },
            block="client_vpn",
        ),
    )
    stated_zones = ctx.req.params.get("vpn.subnet_associations")
    if stated_zones and int(stated_zones) > ctx.az_count:
        bp.notes.append(
            f"Client VPN: {stated_zones} subnet associations asked, but the VPC has {ctx.az_count} zones; "
            "one association per private subnet."
        )
    zones: int | Expr = (
        min(int(stated_zones), ctx.az_count)
        if stated_zones
        else Expr("length(local.azs)" if ctx.ha else "1")
    )
    bp.add(
        ResourceSpec(
            "aws_ec2_client_vpn_network_association",
            "private",
            "network",
            "Connects the VPN to the private subnets"
            + (
                " in every zone."
                if ctx.ha
                else " in one zone (each zone costs extra; say highly available for all)."
            ),
            {
                "count": zones,
                "client_vpn_endpoint_id": Expr("aws_ec2_client_vpn_endpoint.main.id"),
                "subnet_id": Expr("aws_subnet.private[count.index].id"),
            },
            block="client_vpn",
        ),
        ResourceSpec(
            "aws_ec2_client_vpn_authorization_rule",
            "vpc",
            "network",
            "Lets authenticated VPN users reach the VPC's addresses.",
            {
                "client_vpn_endpoint_id": Expr("aws_ec2_client_vpn_endpoint.main.id"),
                "target_network_cidr": Expr("var.vpc_cidr"),
                "authorize_all_groups": True,
                "description": "VPN users to the VPC",
            },
            block="client_vpn",
        ),
    )
    bp.out(
        Output(
            "client_vpn_endpoint_id",
            "aws_ec2_client_vpn_endpoint.main.id",
            "Client VPN endpoint: download its configuration with aws ec2 export-client-vpn-client-configuration.",
        )
    )


CAPABILITY = declare(
    "client_vpn",
    build=build,
    readers={
        "vpn.client_cidr": _CLIENT_CIDR,
        "vpn.authentication": _FEDERATED,
        "vpn.subnet_associations": _ASSOCIATIONS,
    },
)
