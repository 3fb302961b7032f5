"""Amazon MSK: a provisioned Kafka cluster in the private subnets, IAM-authenticated, TLS only,
encrypted at rest with the project key, broker logs to CloudWatch; the design's Lambda function
consumes its "events" topic when there is one."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from autcloud.agent.capabilities._event_wiring import role_policy
from autcloud.agent.capabilities.base import INTEGRATION, Capability, Parameter, Probe, reader
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

BLOCK = "msk"
VERSION_KEY = "msk.kafka_version"
BROKERS_KEY = "msk.brokers"
DEFAULT_VERSION = "3.6.0"
IAM_PORT = 9098  # TLS with IAM access control, inside the VPC
TOPIC = "events"

read_version = reader(
    r"(?:kafka|msk|카프카)\s*(?:version|버전)?\s*(?:v|=|:)?\s*(\d\.\d{1,2}(?:\.\d{1,2}|\.x)?)(?![\d.])",
    lambda m: m.group(1),
)
_BROKERS = (
    re.compile(r"(\d{1,2})\s*(?:kafka\s+|msk\s+)?brokers?\b", re.I),
    re.compile(r"브로커\s*(?:를|는|수)?\s*(\d{1,2})\s*(?:개|대)"),
    re.compile(r"(\d{1,2})\s*(?:개|대)의?\s*브로커"),
)


def read_brokers(text: str) -> Iterator[tuple[str, int]]:
    for pattern in _BROKERS:
        match = pattern.search(text)
        if match and int(match.group(1)) > 0:
            yield match.group(0).strip(), int(match.group(1))
            return


def _firewall(bp: Blueprint) -> None:
    security_group(
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


def _consumer(bp: Blueprint) -> None:
    """The design's first Lambda function reads the "events" topic through an event source mapping."""
    functions = [
        r.name for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source
    ]
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
    cluster = "${aws_msk_cluster.main.cluster_name}/${aws_msk_cluster.main.cluster_uuid}"
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
                "Resource": Expr("aws_msk_cluster.main.arn"),
            },
            {
                "Effect": "Allow",
                "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
                "Resource": interp(f"{scope}:topic/{cluster}/{TOPIC}"),
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
                "Resource": Expr("aws_msk_cluster.main.arn"),
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
            f'Delivers the "{TOPIC}" topic to the {function} function in batches, from the latest offset.',
            {
                "event_source_arn": Expr("aws_msk_cluster.main.arn"),
                "function_name": Expr(f"aws_lambda_function.{function}.arn"),
                "topics": [TOPIC],
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


def _zones(bp: Blueprint, ctx: Context) -> int:
    """Zones the private subnets span (another capability may have widened the network)."""
    variable = bp.variables.get("az_count")
    return (
        variable.default
        if variable is not None and isinstance(variable.default, int)
        else ctx.az_count
    )


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    zones = _zones(bp, ctx)
    stated = ctx.req.params.get(BROKERS_KEY)
    wanted = stated if isinstance(stated, int) and stated > 0 else zones
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
                        "instance_type": "kafka.m7g.large",
                        "client_subnets": Expr("aws_subnet.private[*].id"),
                        "security_groups": [Expr("aws_security_group.msk.id")],
                        "storage_info": Block(
                            "storage_info",
                            body={
                                "ebs_storage_info": Block(
                                    "ebs_storage_info", body={"volume_size": 100}
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
    _consumer(bp)
    bp.out(
        Output(
            "kafka_bootstrap_brokers",
            "aws_msk_cluster.main.bootstrap_brokers_sasl_iam",
            "Kafka bootstrap brokers (TLS, IAM auth).",
        )
    )


CAPABILITY = Capability(
    key="msk",
    summary="An Amazon MSK (Kafka) cluster.",
    concepts=("service.msk",),
    probes=(Probe("aws_msk_cluster"), Probe("aws_msk_serverless_cluster")),
    category="messaging",
    build=build,
    phase=INTEGRATION,
    parameters=(
        Parameter(VERSION_KEY, "aws_msk_cluster", "kafka_version", "==", read_version),
        Parameter(BROKERS_KEY, "aws_msk_cluster", "number_of_broker_nodes", ">=", read_brokers),
    ),
    scanner_types=("aws_msk_cluster",),
)
