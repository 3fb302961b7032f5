"""Amazon MQ: a RabbitMQ broker (ActiveMQ when named) in the private subnets, never public,
encrypted at rest (the project key for ActiveMQ; RabbitMQ only takes an AWS-owned key), logs to
CloudWatch. Amazon MQ has no managed password: the admin password is a sensitive variable with
no default, given at apply time (or from a secret store through TF_VAR_mq_admin_password)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, Variable, tags
from autcloud.agent.catalog.compute import security_group
from autcloud.agent.catalog.network import add_network
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("mq")

BLOCK = "mq"
ENGINE_KEY = "mq.engine_type"
INSTANCE_KEY = "mq.instance_type"
MODE_KEY = "mq.deployment_mode"
ENGINES: dict[str, dict[str, Any]] = {
    "RabbitMQ": {"version": "3.13", "ports": {"amqps": 5671, "console": 443}},
    "ActiveMQ": {"version": "5.18", "ports": {"openwire": 61617, "console": 8162}},
}

read_engine = reader(
    PATTERNS["engine"],
    lambda m: "ActiveMQ" if m.group(0).lower().startswith(("a", "액")) else "RabbitMQ",
)

read_instance = reader(
    re.compile(r"\bmq\.[a-z][a-z0-9]*\.[a-z0-9]+\b", re.I), lambda m: m.group(0).lower()
)
_read_mode_any = reader(PATTERNS["mode_any"], lambda m: "MULTI_AZ")


def read_mode(text: str) -> Iterator[tuple[str, Any]]:
    """Multi-AZ deployment, only in a message about Amazon MQ (zones alone are the network's)."""
    if PATTERNS["mq"].search(text):
        yield from _read_mode_any(text)


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    stated = ctx.req.params.get(ENGINE_KEY)
    engine = stated if stated in ENGINES else "RabbitMQ"
    settings = ENGINES[engine]
    password = bp.var(
        Variable(
            "mq_admin_password",
            "string",
            "Password of the Amazon MQ admin user (12+ characters, no commas, colons or equals "
            "signs). No default: give it at apply time, e.g. TF_VAR_mq_admin_password from a secret store.",
            sensitive=True,
            validation=(
                'length(var.mq_admin_password) >= 12 && !can(regex("[,:=]", var.mq_admin_password))',
                "mq_admin_password needs 12 or more characters and no commas, colons or equals signs.",
            ),
        )
    )
    security_group(
        bp,
        "mq",
        f"Amazon MQ {engine} broker",
        "The broker's firewall: messaging and console over TLS from inside the VPC only.",
        BLOCK,
    )
    for purpose, port in settings["ports"].items():
        bp.add(
            ResourceSpec(
                "aws_vpc_security_group_ingress_rule",
                f"mq_{purpose}_in",
                "security",
                f"{engine} {purpose} (TLS) from inside the VPC.",
                {
                    "security_group_id": Expr("aws_security_group.mq.id"),
                    "description": f"{engine} {purpose} over TLS from inside the VPC.",
                    "ip_protocol": "tcp",
                    "from_port": port,
                    "to_port": port,
                    "cidr_ipv4": Expr("aws_vpc.main.cidr_block"),
                },
                block=BLOCK,
            )
        )
    ha = ctx.ha or ctx.req.params.get(MODE_KEY) == "MULTI_AZ"
    if engine == "RabbitMQ":
        mode = "CLUSTER_MULTI_AZ" if ha else "SINGLE_INSTANCE"
        subnets = Expr("aws_subnet.private[*].id" if ha else "[aws_subnet.private[0].id]")
        encryption: dict[str, Any] = {"use_aws_owned_key": True}
        logs: dict[str, Any] = {"general": True}
        comments: tuple[str, ...] = (
            "checkov:skip=CKV_AWS_209:RabbitMQ brokers accept only AWS-owned encryption keys, not a customer-managed key",
        )
    else:
        mode = "ACTIVE_STANDBY_MULTI_AZ" if ha else "SINGLE_INSTANCE"
        subnets = Expr(
            "slice(aws_subnet.private[*].id, 0, 2)" if ha else "[aws_subnet.private[0].id]"
        )
        encryption = {"use_aws_owned_key": False, "kms_key_id": Expr("aws_kms_key.main.arn")}
        logs = {"general": True, "audit": True}
        comments = ()
    stated_instance = ctx.req.params.get(INSTANCE_KEY)
    if isinstance(stated_instance, str):
        instance = stated_instance
    else:
        instance = "mq.m5.large" if ha or engine == "RabbitMQ" else "mq.t3.micro"
    user: dict[str, Any] = {"username": "mqadmin", "password": password}
    if engine == "ActiveMQ":
        user["console_access"] = True
    where = (
        "in two zones (active/standby)"
        if mode == "ACTIVE_STANDBY_MULTI_AZ"
        else (
            "as a three-node cluster across zones"
            if mode == "CLUSTER_MULTI_AZ"
            else "as one instance"
        )
    )
    bp.add(
        ResourceSpec(
            "aws_mq_broker",
            "main",
            "messaging",
            f"{engine} {settings['version']} {where} in the private subnets, not publicly accessible, "
            "encrypted at rest, logs to CloudWatch; the admin password comes from the sensitive "
            "variable mq_admin_password (Amazon MQ cannot manage it).",
            {
                "broker_name": Expr('"${local.name}-broker"'),
                "engine_type": engine,
                "engine_version": settings["version"],
                "host_instance_type": instance,
                "deployment_mode": mode,
                "publicly_accessible": False,
                "auto_minor_version_upgrade": True,
                "subnet_ids": subnets,
                "security_groups": [Expr("aws_security_group.mq.id")],
                "encryption_options": Block("encryption_options", body=encryption),
                "logs": Block("logs", body=logs),
                "maintenance_window_start_time": Block(
                    "maintenance_window_start_time",
                    body={"day_of_week": "SUNDAY", "time_of_day": "18:00", "time_zone": "UTC"},
                ),
                "user": Block("user", body=user),
                "tags": tags("broker"),
            },
            comments=comments,
            block=BLOCK,
        )
    )
    bp.notes.append(
        "Amazon MQ has no managed admin password: set TF_VAR_mq_admin_password (12+ characters) "
        "from your secret store before terraform apply."
    )
    bp.out(
        Output(
            "mq_broker_endpoints",
            "aws_mq_broker.main.instances[0].endpoints",
            "Endpoints of the message broker (inside the VPC).",
        )
    )


CAPABILITY = declare(
    "mq",
    build=build,
    readers={ENGINE_KEY: read_engine, INSTANCE_KEY: read_instance, MODE_KEY: read_mode},
)
