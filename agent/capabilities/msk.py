"""Amazon MSK: a provisioned Kafka cluster in the private subnets, IAM-authenticated, TLS only,
encrypted at rest with the project key, broker logs to CloudWatch; the design's Lambda function
consumes its "events" topic when there is one."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from autcloud.agent.capabilities._event_wiring import lambda_names, role_policy
from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.capabilities.network_options import _set_az_count
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
from autcloud.agent.catalog.network import add_network, spanned_zones
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("msk")

BLOCK = "msk"
VERSION_KEY = "msk.kafka_version"
BROKERS_KEY = "msk.brokers"
INSTANCE_KEY = "msk.instance_type"
STORAGE_KEY = "msk.volume_size"
TOPIC_KEY = "msk.topic"
SERVERLESS_KEY = "msk.serverless"
DEFAULT_INSTANCE = "kafka.m7g.large"
DEFAULT_VOLUME_GB = 100
DEFAULT_VERSION = "3.6.0"
IAM_PORT = 9098  # TLS with IAM access control, inside the VPC
TOPIC = "events"

read_version = reader(PATTERNS["version"], lambda m: m.group(1))


def read_brokers(text: str) -> Iterator[tuple[str, int]]:
    for pattern in PATTERNS.each("brokers"):
        match = pattern.search(text)
        if match and int(match.group(1)) > 0:
            yield match.group(0).strip(), int(match.group(1))
            return


# An instance type is a machine format: it stays here, not among the words.
read_instance = reader(
    re.compile(r"\bkafka\.[a-z][a-z0-9]*\.[a-z0-9]+\b", re.I), lambda m: m.group(0).lower()
)


def _gigabytes(match: re.Match[str]) -> int | None:
    groups = match.groups()
    for i in range(0, len(groups), 2):
        if groups[i] is not None:
            number = int(groups[i].replace(",", ""))
            unit = groups[i + 1].lower()
            size = number * 1024 if unit.startswith("t") or unit == "테라" else number
            return size if 1 <= size <= 16384 else None
    return None


read_storage = reader(PATTERNS["storage"], _gigabytes)


def read_topic(text: str) -> Iterator[tuple[str, str]]:
    """The Kafka topic a consumer reads, when the message is about Kafka."""
    if not PATTERNS["kafka"].search(text):
        return
    for pattern in PATTERNS.each("topic"):
        match = pattern.search(text)
        if match and re.search(r"[A-Za-z]", match.group(1)):
            yield match.group(0).strip(), match.group(1)
            return


read_serverless = reader(PATTERNS["serverless"], lambda m: True)


def _firewall(bp: Blueprint) -> ResourceSpec:
    """The brokers' security group with its rules; returns the group."""
    group = security_group(
        bp,
        "msk",
        "Kafka brokers",
        "The brokers' firewall: Kafka over TLS with IAM auth, from inside the VPC only.",
        BLOCK,
    )
    rules = (
        ("ingress", "msk_iam_in", IAM_PORT, "Kafka clients in the VPC (TLS, IAM auth)."),
        (
            "egress",
            "msk_iam_out",
            IAM_PORT,
            "Broker-to-broker and event-source traffic in the VPC.",
        ),
    )
    for direction, name, port, reason in rules:
        bp.add(
            ResourceSpec(
                f"aws_vpc_security_group_{direction}_rule",
                name,
                "security",
                reason,
                {
                    "security_group_id": Expr("aws_security_group.msk.id"),
                    "description": reason,
                    "ip_protocol": "tcp",
                    "from_port": port,
                    "to_port": port,
                    "cidr_ipv4": Expr("aws_vpc.main.cidr_block"),
                },
                block=BLOCK,
            )
        )
    return group


def _clients(bp: Blueprint, ctx: Context, cluster_address: str) -> None:
    """How clients reach the cluster: its bootstrap brokers, and the design's consumer."""
    bp.out(
        Output(
            "kafka_bootstrap_brokers",
            f"{cluster_address}.bootstrap_brokers_sasl_iam",
            "Kafka bootstrap brokers (TLS, IAM auth).",
        )
    )
    _consumer(bp, ctx, cluster_address)


def _consumer(bp: Blueprint, ctx: Context, cluster_address: str) -> None:
    """The design's first Lambda function reads the topic through an event source mapping."""
    stated_topic = ctx.req.params.get(TOPIC_KEY)
    topic = stated_topic if isinstance(stated_topic, str) else TOPIC
    functions = lambda_names(bp)
    if not functions:
        return
    function = functions[0]
    # The mapping's poller runs in the cluster's subnets with its security group: it reaches the
    # Lambda and STS APIs over HTTPS through the NAT gateway.
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_egress_rule",
            "msk_https_out",
            "security",
            "HTTPS out, so the event source mapping's poller can call Lambda and STS.",
            {
                "security_group_id": Expr("aws_security_group.msk.id"),
                "description": "HTTPS out for the Lambda event source mapping (Lambda, STS).",
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": "0.0.0.0/0",
            },
            block=BLOCK,
        )
    )
    cluster = f"${{{cluster_address}.cluster_name}}/${{{cluster_address}.cluster_uuid}}"
    scope = "arn:aws:kafka:${var.region}:${data.aws_caller_identity.current.account_id}"
    address = role_policy(
        bp,
        function,
        "msk_consumer",
        f"Lets the {function} function read the Kafka topic it consumes, nothing else.",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "kafka-cluster:Connect",
                    "kafka-cluster:DescribeClusterDynamicConfiguration",
                ],
                "Resource": Expr(f"{cluster_address}.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
                "Resource": interp(f"{scope}:topic/{cluster}/{topic}"),
            },
            {
                "Effect": "Allow",
                "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
                "Resource": interp(f"{scope}:group/{cluster}/*"),
            },
            {
                "Effect": "Allow",
                "Action": [
                    "kafka:DescribeCluster",
                    "kafka:DescribeClusterV2",
                    "kafka:GetBootstrapBrokers",
                ],
                "Resource": Expr(f"{cluster_address}.arn"),
            },
        ],
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy_attachment",
            f"{function}_msk_network",
            "compute",
            "Lets the event source mapping create its network interfaces in the cluster's subnets "
            "(the AWS-managed policy Lambda needs for MSK).",
            {
                "role": Expr(f"aws_iam_role.{function}_lambda.name"),
                "policy_arn": "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole",
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_lambda_event_source_mapping",
            f"msk_to_{function}",
            "compute",
            f'Delivers the "{topic}" topic to the {function} function in batches, from the latest offset.',
            {
                "event_source_arn": Expr(f"{cluster_address}.arn"),
                "function_name": Expr(f"aws_lambda_function.{function}.arn"),
                "topics": [topic],
                "starting_position": "LATEST",
                "batch_size": 100,
                "depends_on": [
                    Expr(address),
                    Expr(f"aws_iam_role_policy_attachment.{function}_msk_network"),
                ],
            },
            block=BLOCK,
        ),
    )


def _serverless(bp: Blueprint, ctx: Context) -> None:
    """MSK Serverless: no brokers to size or patch; IAM auth only, in the private subnets."""
    _firewall(bp).skip(
        "CKV2_AWS_5",
        "Attached through the MSK Serverless cluster's vpc_config, which checkov does not follow",
    )
    bp.add(
        ResourceSpec(
            "aws_msk_serverless_cluster",
            "main",
            "messaging",
            "Serverless Kafka: capacity scales by itself, no brokers to manage; IAM auth, TLS, "
            "reachable only inside the VPC.",
            {
                "cluster_name": interp("${local.name}-kafka"),
                "vpc_config": Block(
                    "vpc_config",
                    body={
                        "subnet_ids": Expr("aws_subnet.private[*].id"),
                        "security_group_ids": [Expr("aws_security_group.msk.id")],
                    },
                ),
                "client_authentication": Block(
                    "client_authentication",
                    body={
                        "sasl": Block("sasl", body={"iam": Block("iam", body={"enabled": True})})
                    },
                ),
                "tags": tags("kafka"),
            },
            block=BLOCK,
        )
    )
    _clients(bp, ctx, "aws_msk_serverless_cluster.main")


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    if ctx.req.params.get(SERVERLESS_KEY):
        _serverless(bp, ctx)
        return
    zones = spanned_zones(bp, ctx)
    stated = ctx.req.params.get(BROKERS_KEY)
    wanted = stated if isinstance(stated, int) and stated > 0 else zones
    if wanted % zones and wanted % 3 == 0 and zones < 3:
        # three brokers want three zones (brokers are a multiple of the client subnets)
        _set_az_count(bp, ctx, 3)
        zones = spanned_zones(bp, ctx)
    brokers = max(zones, math.ceil(wanted / zones) * zones)  # a multiple of the client subnets
    how = (
        f"{brokers} brokers ({wanted} asked, rounded up to a multiple of the {zones} zones)"
        if brokers != wanted
        else f"{brokers} brokers, spread evenly over {zones} zones"
    )
    stated_version = ctx.req.params.get(VERSION_KEY)
    version = bp.var(
        Variable(
            "kafka_version",
            "string",
            "Apache Kafka version of the MSK cluster.",
            stated_version if isinstance(stated_version, str) else DEFAULT_VERSION,
        )
    )
    broker_count = bp.var(
        Variable(
            "msk_broker_count",
            "number",
            "Number of Kafka brokers (a multiple of the number of private subnets).",
            brokers,
        )
    )
    stated_instance = ctx.req.params.get(INSTANCE_KEY)
    instance = stated_instance if isinstance(stated_instance, str) else DEFAULT_INSTANCE
    stated_volume = ctx.req.params.get(STORAGE_KEY)
    volume = stated_volume if isinstance(stated_volume, int) else DEFAULT_VOLUME_GB
    _firewall(bp)
    log_group(
        bp,
        "msk",
        "/aws/msk/${local.name}",
        "Kafka broker logs, encrypted, with bounded retention.",
        "messaging",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_msk_cluster",
            "main",
            "messaging",
            f"Managed Kafka: {how} in the private subnets; IAM auth, TLS only, encrypted with the project key.",
            {
                "cluster_name": interp("${local.name}-kafka"),
                "kafka_version": version,
                "number_of_broker_nodes": broker_count,
                "broker_node_group_info": Block(
                    "broker_node_group_info",
                    body={
                        "instance_type": instance,
                        "client_subnets": Expr("aws_subnet.private[*].id"),
                        "security_groups": [Expr("aws_security_group.msk.id")],
                        "storage_info": Block(
                            "storage_info",
                            body={
                                "ebs_storage_info": Block(
                                    "ebs_storage_info", body={"volume_size": volume}
                                )
                            },
                        ),
                        "connectivity_info": Block(
                            "connectivity_info",
                            body={
                                "public_access": Block("public_access", body={"type": "DISABLED"})
                            },
                        ),
                    },
                ),
                "client_authentication": Block(
                    "client_authentication",
                    body={
                        "unauthenticated": False,
                        "sasl": Block("sasl", body={"iam": True}),
                    },
                ),
                "encryption_info": Block(
                    "encryption_info",
                    body={
                        "encryption_at_rest_kms_key_arn": Expr("aws_kms_key.main.arn"),
                        "encryption_in_transit": Block(
                            "encryption_in_transit",
                            body={"client_broker": "TLS", "in_cluster": True},
                        ),
                    },
                ),
                "logging_info": Block(
                    "logging_info",
                    body={
                        "broker_logs": Block(
                            "broker_logs",
                            body={
                                "cloudwatch_logs": Block(
                                    "cloudwatch_logs",
                                    body={
                                        "enabled": True,
                                        "log_group": Expr("aws_cloudwatch_log_group.msk.name"),
                                    },
                                )
                            },
                        )
                    },
                ),
                "tags": tags("kafka"),
            },
            block=BLOCK,
        )
    )
    _clients(bp, ctx, "aws_msk_cluster.main")


CAPABILITY = declare(
    "msk",
    build=build,
    readers={
        VERSION_KEY: read_version,
        BROKERS_KEY: read_brokers,
        INSTANCE_KEY: read_instance,
        STORAGE_KEY: read_storage,
        TOPIC_KEY: read_topic,
        SERVERLESS_KEY: read_serverless,
    },
)
