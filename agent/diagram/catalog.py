"""What the architecture view knows about AWS, as tables (no per-service code): the per-type
tables are data in ``catalog.yaml``, read into the dataclasses below.

- :data:`COMPONENTS`: the resource types a person talks about (a load balancer, a service, a
  database...), each with its label, category, icon, tier and how to read its size and zones.
- :data:`FOLDS`: the plumbing (alarms, keys, roles, log groups, route tables, security groups...)
  and how to find what it serves; it becomes a badge on that component or group.
- :data:`FLOWS`: how edges are derived: which resource type, which arguments name the two
  ends, the kind of flow and its label in words.

A type in none of the tables is a component when its category is one people draw (compute,
data, messaging, edge, analytics, other) and plumbing otherwise; a type extending a component's
type (``aws_s3_bucket_versioning`` → ``aws_s3_bucket``) folds into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autcloud.agent.datafile import load_yaml

# --- components -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    label: str  # "RDS", "Application Load Balancer"
    category: str  # a key of model.CATEGORIES
    icon: str | None  # a PNG under the `diagrams` package's resources/aws/
    tier: str  # edge | entry | compute | data | integration | network | management
    subtitle: str = ""  # a label template read from the resource, e.g. "{engine}"
    size: str = ""  # the argument saying how many objects it runs ("desired_count")
    size_word: str = ""  # what they are called ("tasks", "nodes")
    multi_az: tuple[str, ...] = ()  # arguments that, when true, mean it spans zones


# A load balancer's label and icon follow its type.
LOAD_BALANCER_TYPES = {
    "application": ("ALB", "network/elb-application-load-balancer.png"),
    "network": ("NLB", "network/elb-network-load-balancer.png"),
    "gateway": ("GWLB", "network/elastic-load-balancing.png"),
}
# The synthetic endpoints flows may start or end at.
INTERNET_COMPONENT = Component("Internet", "other", "general/internet-alt1.png", "edge")
ENGINE_WORDS = {
    "postgres": "PostgreSQL",
    "aurora-postgresql": "Aurora PostgreSQL",
    "mysql": "MySQL",
    "aurora-mysql": "Aurora MySQL",
    "mariadb": "MariaDB",
    "redis": "Redis",
    "valkey": "Valkey",
    "memcached": "Memcached",
    "sqlserver-ex": "SQL Server",
    "sqlserver-se": "SQL Server",
    "oracle-se2": "Oracle",
    "FARGATE": "Fargate",
    "EC2": "EC2",
}


# --- plumbing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """How a plumbing resource finds what it serves, and the badge it adds there.

    ``via`` names the arguments whose references lead to the owner (a rule's
    ``security_group_id``, an alarm's ``dimensions``); empty means "whoever references it"
    (a KMS key serves every component that references it, directly or through other plumbing).
    ``group`` puts it on the VPC or region instead. ``badge`` may read the resource's
    arguments (``"logs {retention_in_days} d"``); with ``plural``, equal badges are counted
    (``"4 alarms"``)."""

    badge: str = ""
    via: tuple[str, ...] = ()
    group: str | None = None  # "vpc" | "region"
    plural: str = ""
    peer: tuple[str, ...] = ()  # arguments naming a peer, not what it serves (a rule's other SG)


# --- flows ----------------------------------------------------------------------------------

INTERNET_END = "@internet"  # the internet (requests from anywhere)
OUTBOUND_END = "@outbound"  # the way out: the VPC's NAT gateway, else the internet
SELF = "."  # the resource the rule reads (or what it folds into)


@dataclass(frozen=True)
class Flow:
    """An edge derivation: a ``type`` resource whose ``source`` and ``target`` arguments
    (dotted paths; ``.`` the resource itself; ``@internet``, ``@outbound``) name the ends.

    An end that is plumbing stands for what it serves (a security group → the components
    behind it). ``each`` iterates over a repeated block (paths then start with ``item.``).
    ``when`` holds (path, accepted values) conditions; a list value matches when any item
    does. ``label`` is a template: ``{port(item.from_port, item.ip_protocol)}``,
    ``{port(dst.port, dst.protocol)}``, ``{speaks(dst)}``, ``{events(src)}`` or text."""

    type: str
    source: str
    target: str
    kind: str  # request | event | data | replication | management
    label: str
    each: str | None = None
    when: tuple[tuple[str, frozenset[object]], ...] = ()
    unless: tuple[tuple[str, frozenset[object]], ...] = ()  # conditions that rule it out


# --- the tables (catalog.yaml) -------------------------------------------------------------

_TABLES: dict[str, Any] = load_yaml(Path(__file__).resolve().parent / "catalog.yaml")


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    """A table entry's fields as the dataclasses hold them: lists as tuples, conditions as
    (path, accepted values)."""
    out: dict[str, Any] = {}
    for name, value in entry.items():
        if name in ("when", "unless"):
            value = tuple((path, frozenset(accepted)) for path, accepted in value)
        elif isinstance(value, list):
            value = tuple(value)
        out[name] = value
    return out


COMPONENTS: dict[str, Component] = {
    kind: Component(**_fields(entry)) for kind, entry in _TABLES["components"].items()
}
FOLDS: dict[str, Fold] = {kind: Fold(**_fields(entry)) for kind, entry in _TABLES["folds"].items()}
PREFIX_FOLDS: tuple[tuple[str, Fold], ...] = tuple(
    (entry["prefix"], Fold(**_fields({k: v for k, v in entry.items() if k != "prefix"})))
    for entry in _TABLES["prefix_folds"]
)
FLOWS: tuple[Flow, ...] = tuple(Flow(**_fields(entry)) for entry in _TABLES["flows"])

# Ports named in words; a listener or target group's protocol wins when it has one.
PORT_WORDS = {
    22: "SSH",
    53: "DNS",
    80: "HTTP",
    443: "HTTPS",
    1433: "SQL Server",
    1521: "Oracle",
    2049: "NFS",
    3306: "MySQL",
    3389: "RDP",
    5432: "PostgreSQL",
    5439: "Redshift",
    5671: "AMQPS",
    5672: "AMQP",
    6379: "Redis",
    8080: "HTTP",
    8443: "HTTPS",
    9092: "Kafka",
    9094: "Kafka TLS",
    9200: "OpenSearch",
    11211: "Memcached",
    27017: "MongoDB",
}
# What a component speaks, for flows found in configuration ({speaks(dst)}).
SPEAKS = {
    "aws_db_instance": "{engine} :{port}",
    "aws_rds_cluster": "{engine} :{port}",
    "aws_elasticache_replication_group": "{engine} :{port}",
    "aws_elasticache_cluster": "{engine} :{port}",
    "aws_dynamodb_table": "DynamoDB API (HTTPS)",
    "aws_s3_bucket": "S3 API (HTTPS)",
    "aws_sqs_queue": "sends messages",
    "aws_sns_topic": "publishes",
    "aws_kinesis_stream": "puts records",
    "aws_kinesis_firehose_delivery_stream": "puts records",
    "aws_cloudwatch_event_bus": "puts events",
    "aws_sfn_state_machine": "starts executions",
    "aws_lambda_function": "invokes",
    "aws_opensearch_domain": "HTTPS :443",
    "aws_efs_file_system": "NFS :2049",
    "aws_lb": "HTTP",
}
DEFAULT_PORTS = {
    "postgres": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "redis": 6379,
    "valkey": 6379,
    "memcached": 11211,
    "aurora-postgresql": 5432,
    "aurora-mysql": 3306,
}
# What an event source delivers ({events(src)}).
EVENT_WORDS = {
    "aws_sqs_queue": "messages",
    "aws_kinesis_stream": "stream records",
    "aws_dynamodb_table": "table changes",
    "aws_msk_cluster": "Kafka records",
    "aws_mq_broker": "messages",
    "aws_sns_topic": "notifications",
}
FLOW_KINDS = {
    # kind: (legend label, colour, graphviz style)
    "request": ("Request", "#232F3E", "solid"),
    "event": ("Event", "#E7157B", "dashed"),
    "data": ("Data movement", "#147EBA", "solid"),
    "replication": ("Replication", "#8C4FFF", "dotted"),
    "management": ("Management", "#7D8998", "dotted"),
}
# Categories whose unknown types are drawn as components (the rest fold as plumbing).
COMPONENT_CATEGORIES = frozenset({"compute", "data", "edge", "messaging", "analytics", "other"})
