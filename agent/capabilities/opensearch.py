"""Amazon OpenSearch Service: a domain inside the VPC, data nodes spread over zones, encrypted at
rest with the project key and between nodes, HTTPS only (TLS 1.2), logs to CloudWatch."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, Variable, tags
from autcloud.agent.catalog.compute import security_group
from autcloud.agent.catalog.network import add_network, spanned_zones
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.patterns import patterns

PATTERNS = patterns("opensearch")

BLOCK = "opensearch"
COUNT_KEY = "opensearch.instance_count"
DEFAULT_VOLUME_GB = 20
DOMAIN = '"${trim(substr(local.name, 0, 21), "-")}-search"'  # domain names: at most 28 characters
LOG_TYPES = {
    "index_slow": "INDEX_SLOW_LOGS",
    "search_slow": "SEARCH_SLOW_LOGS",
    "application": "ES_APPLICATION_LOGS",
}

TYPE_KEY = "opensearch.instance_type"
_TYPE = re.compile(
    r"\b([a-z][a-z0-9]*\.[0-9]*(?:nano|micro|small|medium|large|xlarge))\.search(?![a-z0-9])", re.I
)


def read_type(text: str) -> Iterator[tuple[str, str]]:
    """A data node instance type: "r6g.large.search", "t3.medium.search"."""
    match = _TYPE.search(text)
    if match:
        yield match.group(0), match.group(0).lower()


def read_count(text: str) -> Iterator[tuple[str, int]]:
    """Data nodes, when the message is about search ("3 data nodes", "노드 4개")."""
    if not PATTERNS["mention"].search(text):
        return
    for pattern in PATTERNS.each("counts"):
        match = pattern.search(text)
        if match and int(match.group(1)) > 0:
            yield match.group(0).strip(), int(match.group(1))
            return


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    stated = ctx.req.params.get(COUNT_KEY)
    zones = min(3, spanned_zones(bp, ctx))  # zone awareness: one subnet per zone, 2 or 3 zones
    variable = bp.variables.get("az_count")
    if (
        isinstance(stated, int)
        and zones == 2
        and stated % 2
        and stated % 3 == 0
        and variable is not None
        and isinstance(variable.default, int)
    ):
        # "3 data nodes": one per zone over three zones, rather than rounding up to 4.
        bp.variables["az_count"] = dataclasses.replace(variable, default=3)
        bp.notes.append("The VPC spans three zones: the search domain's nodes spread one per zone.")
        zones = 3
    wanted = stated if isinstance(stated, int) and stated > 0 else zones
    count = max(zones, math.ceil(wanted / zones) * zones)  # data nodes divide evenly over zones
    spread = (
        f"{count} data nodes ({wanted} asked, rounded up to a multiple of the {zones} zones)"
        if count != wanted
        else f"{count} data nodes"
    )
    instances = bp.var(
        Variable(
            "opensearch_instance_count", "number", "Data nodes of the OpenSearch domain.", count
        )
    )
    volume = bp.var(
        Variable(
            "opensearch_volume_size",
            "number",
            "EBS (gp3) size of each OpenSearch data node, in GiB.",
            ctx.req.storage_gb or DEFAULT_VOLUME_GB,
        )
    )
    security_group(
        bp,
        "opensearch",
        "OpenSearch domain",
        "The search domain's firewall: HTTPS from inside the VPC only.",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_ingress_rule",
            "opensearch_https_in",
            "security",
            "HTTPS to the search domain from inside the VPC.",
            {
                "security_group_id": Expr("aws_security_group.opensearch.id"),
                "description": "HTTPS to OpenSearch from inside the VPC.",
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": Expr("aws_vpc.main.cidr_block"),
            },
            block=BLOCK,
        )
    )
    groups = []
    for name, log_type in LOG_TYPES.items():
        spec = log_group(
            bp,
            f"opensearch_{name}",
            f"/aws/opensearch/${{local.name}}/{name.replace('_', '-')}",
            f"OpenSearch {log_type.lower().replace('_', ' ')}, encrypted, with bounded retention.",
            "data",
            BLOCK,
        )
        groups.append((log_type, spec.name))
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_log_resource_policy",
            "opensearch",
            "data",
            "Lets OpenSearch write to its log groups, and only for this account's domains.",
            {
                "policy_name": Expr('"${local.name}-opensearch-logs"'),
                "policy_document": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "es.amazonaws.com"},
                                "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                                "Resource": [
                                    Expr(f'"${{aws_cloudwatch_log_group.{name}.arn}}:*"')
                                    for _, name in groups
                                ],
                                "Condition": {
                                    "StringEquals": {
                                        "aws:SourceAccount": Expr(
                                            "data.aws_caller_identity.current.account_id"
                                        )
                                    }
                                },
                            }
                        ],
                    }
                ),
            },
            block=BLOCK,
        )
    )
    domain_arn = (
        '"arn:aws:es:${var.region}:${data.aws_caller_identity.current.account_id}:domain/'
        '${trim(substr(local.name, 0, 21), "-")}-search/*"'
    )
    cluster: dict[str, Any] = {
        "instance_type": str(ctx.req.params.get(TYPE_KEY) or "r6g.large.search"),
        "instance_count": instances,
        "zone_awareness_enabled": True,
        "zone_awareness_config": Block(
            "zone_awareness_config", body={"availability_zone_count": zones}
        ),
    }
    subnets = Expr(f"slice(aws_subnet.private[*].id, 0, {zones})")
    bp.add(
        ResourceSpec(
            "aws_opensearch_domain",
            "search",
            "data",
            f"Full-text search: {spread} over {zones} zones in the private subnets, "
            "encrypted at rest and between nodes, HTTPS only.",
            {
                "domain_name": Expr(DOMAIN),
                "engine_version": "OpenSearch_2.13",
                "cluster_config": Block("cluster_config", body=cluster),
                "vpc_options": Block(
                    "vpc_options",
                    body={
                        "subnet_ids": subnets,
                        "security_group_ids": [Expr("aws_security_group.opensearch.id")],
                    },
                ),
                "ebs_options": Block(
                    "ebs_options",
                    body={"ebs_enabled": True, "volume_type": "gp3", "volume_size": volume},
                ),
                "encrypt_at_rest": Block(
                    "encrypt_at_rest",
                    body={"enabled": True, "kms_key_id": Expr("aws_kms_key.main.arn")},
                ),
                "node_to_node_encryption": Block("node_to_node_encryption", body={"enabled": True}),
                "domain_endpoint_options": Block(
                    "domain_endpoint_options",
                    body={
                        "enforce_https": True,
                        "tls_security_policy": "Policy-Min-TLS-1-2-2019-07",
                    },
                ),
                "advanced_security_options": Block(
                    "advanced_security_options", body={"enabled": False}
                ),
                "access_policies": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {
                                    "AWS": Expr(
                                        '"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"'
                                    )
                                },
                                "Action": "es:ESHttp*",
                                "Resource": Expr(domain_arn),
                            }
                        ],
                    }
                ),
                "log_publishing_options": [
                    Block(
                        "log_publishing_options",
                        body={
                            "log_type": log_type,
                            "cloudwatch_log_group_arn": Expr(
                                f"aws_cloudwatch_log_group.{name}.arn"
                            ),
                        },
                    )
                    for log_type, name in groups
                ],
                "depends_on": [Expr("aws_cloudwatch_log_resource_policy.opensearch")],
                "tags": tags("search"),
            },
            comments=(
                "checkov:skip=CKV2_AWS_52:Fine-grained access control is off: the domain is reachable only inside the VPC and IAM (the access policy) authorises callers",
                "checkov:skip=CKV_AWS_317:Audit logs need fine-grained access control, which is off; slow and application logs are published",
                "checkov:skip=CKV2_AWS_59:Dedicated master nodes add three instances; a small domain runs without them (add them past ten data nodes)",
                "checkov:skip=CKV_AWS_318:See CKV2_AWS_59: no dedicated master nodes for a small domain",
            ),
            block=BLOCK,
        )
    )
    bp.notes.append(
        "OpenSearch in a VPC needs the service-linked role AWSServiceRoleForAmazonOpenSearchService "
        "in the account (created once: aws iam create-service-linked-role --aws-service-name opensearchservice.amazonaws.com)."
    )
    bp.out(
        Output(
            "opensearch_endpoint",
            "aws_opensearch_domain.search.endpoint",
            "HTTPS endpoint of the OpenSearch domain (inside the VPC).",
        )
    )


CAPABILITY = declare(
    "opensearch", build=build, readers={COUNT_KEY: read_count, TYPE_KEY: read_type}
)
