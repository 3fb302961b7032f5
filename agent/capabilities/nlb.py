"""Network Load Balancer: a TCP listener (UDP, or TLS ending at the balancer, when asked) on the asked port in front of the ECS service (by IP) or
the Auto Scaling group (by instance), cross-zone, access-logged, internal when the request is
private. Its own security group lets the port in and reaches the application's port only.
"""

from __future__ import annotations

import re
from typing import Any

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    tags,
)
from autcloud.agent.catalog.compute import security_group, target_group
from autcloud.agent.catalog.network import add_network
from autcloud.agent.catalog.security import alarm
from autcloud.agent.catalog.storage import (
    allow_access_log_delivery,
    allow_load_balancer_logs,
    ensure_access_logs,
    load_balancer_access_logs,
)
from autcloud.agent.hcl import Block, Call, Expr

BLOCK = "nlb"
DEFAULT_PORT = 443


def _port_of(match: Any) -> int | None:
    """The port a reader matched (whichever alternative did), if it is a port at all."""
    value = int(next(g for g in match.groups() if g))
    return value if 1 <= value <= 65535 else None


read_port = reader(
    re.compile(
        r"\b(?:tcp|udp|tls)\s*(?:listener\s*)?(?:on\s*)?(?:port|포트)?\s*:?\s*(\d{2,5})\b"
        r"|\b(\d{2,5})\s*(?:번\s*)?포트\s*(?:로\s*|에서\s*|는\s*)?(?:tls|udp)",
        re.I,
    ),
    _port_of,
)


def _protocol(match: Any) -> str:
    return "UDP" if "udp" in match.group(0).lower() else "TLS"


# The listener's protocol: UDP for datagram traffic, TLS when the balancer ends TLS.
read_protocol = reader(
    re.compile(
        r"\budp\s+(?:listener|port|traffic)"
        r"|\budp\s*(?:포트|리스너|로)"
        r"|\b(?:terminat\w*|end\w*|offload\w*)\s+tls\s+(?:at|on)\s+the\s+(?:nlb|network\s+load\s+balancer)"
        r"|\btls\s+listener"
        r"|포트\s*tls|nlb\s*에서\s*tls\s*(?:종료|termination)",
        re.I,
    ),
    _protocol,
)


# The port behind the balancer when it differs from the listener: "뒤로는 1883 TCP로",
# "forward to the brokers on TCP 1883".
read_target_port = reader(
    re.compile(
        r"(?:뒤로는|뒤쪽은|백엔드는?|타깃은?|타겟은?)\s*(\d{2,5})\s*(?:번\s*)?(?:포트\s*)?(?:tcp|로)"
        r"|\b(?:forward\w*|pass\w*|send\w*)\s+(?:it\s+|traffic\s+|connections\s+)?(?:on\s+)?to\s+"
        r"(?:the\s+)?(?:\w+\s+)?(?:on\s+)?(?:plain\s+)?(?:tcp\s+)?(?:port\s+)?(\d{2,5})\b",
        re.I,
    ),
    _port_of,
)


def _rule(name: str, kind: str, reason: str, body: dict[str, Any]) -> ResourceSpec:
    return ResourceSpec(
        f"aws_vpc_security_group_{kind}_rule",
        name,
        "security",
        reason,
        {"description": reason, "ip_protocol": "tcp", **body},
        block=BLOCK,
    )


def _log_delivery(bp: Blueprint) -> None:
    """Lets the load balancer write its access logs under nlb/ in the access-log bucket: the
    log-delivery service's statements, then (first in the policy) the load-balancer account's."""
    delivery = [
        {
            "Sid": "LogDeliveryWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": Expr('"${aws_s3_bucket.access_logs.arn}/nlb/*"'),
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
        {
            "Sid": "LogDeliveryAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": Expr("aws_s3_bucket.access_logs.arn"),
        },
    ]
    allow_access_log_delivery(bp, *delivery)
    allow_load_balancer_logs(bp, "nlb", "NetworkLoadBalancerAccessLogs", BLOCK)


def _expose_container_port(bp: Blueprint, port: Expr) -> None:
    """A worker service's container declares no port; the NLB needs one to register it."""
    task = bp.find("aws_ecs_task_definition.app")
    definitions = task.body.get("container_definitions") if task else None
    if isinstance(definitions, Call) and isinstance(definitions.argument, list):
        for container in definitions.argument:
            if container.get("name") == "app" and not container.get("portMappings"):
                container["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    internal = ctx.req.private
    protocol = str(ctx.req.params.get("nlb.protocol") or "TCP")
    ip_protocol = "udp" if protocol == "UDP" else "tcp"
    stated_target = ctx.req.params.get("nlb.target_port")
    listen = bp.var(
        Variable(
            "nlb_port",
            "number",
            f"{protocol} port the Network Load Balancer listens on.",
            int(ctx.req.params.get("nlb.port") or DEFAULT_PORT),
        )
    )
    service = bp.find("aws_ecs_service.app")
    fleet = bp.find("aws_autoscaling_group.app")
    target = "none"
    target_type, target_port, what = "ip", listen, "targets registered later"
    if service is not None and "container_port" in bp.variables:
        target = "ecs"
        target_type, target_port, what = "ip", Expr("var.container_port"), "the ECS service's tasks"
    elif fleet is not None and "app_port" in bp.variables:
        target = "asg"
        target_type, target_port = "instance", Expr("var.app_port")
        what = "the Auto Scaling group's instances"
    if isinstance(stated_target, int):
        target_port = bp.var(
            Variable(
                "nlb_target_port",
                "number",
                "Port the targets behind the NLB listen on.",
                stated_target,
            )
        )
    ensure_access_logs(bp)
    _log_delivery(bp)

    security_group(
        bp,
        "nlb",
        "Network load balancer",
        "The network load balancer's firewall: its TCP port in, the application's port out.",
        BLOCK,
    )
    source = {"cidr_ipv4": Expr("var.vpc_cidr")} if internal else {"cidr_ipv4": "0.0.0.0/0"}
    bp.add(
        _rule(
            "nlb_tcp_in",
            "ingress",
            "TCP clients inside the VPC."
            if internal
            else "TCP clients from anywhere: the public entry point.",
            {
                "security_group_id": Expr("aws_security_group.nlb.id"),
                "ip_protocol": ip_protocol,
                "from_port": listen,
                "to_port": listen,
                **source,
            },
        )
    )
    if target != "none" and bp.has("aws_security_group.app"):
        bp.add(
            _rule(
                "nlb_to_app",
                "egress",
                "Forwards connections to the application only.",
                {
                    "security_group_id": Expr("aws_security_group.nlb.id"),
                    "ip_protocol": ip_protocol,
                    "from_port": target_port,
                    "to_port": target_port,
                    "referenced_security_group_id": Expr("aws_security_group.app.id"),
                },
            ),
            _rule(
                "app_from_nlb",
                "ingress",
                "Connections from the network load balancer only.",
                {
                    "security_group_id": Expr("aws_security_group.app.id"),
                    "ip_protocol": ip_protocol,
                    "from_port": target_port,
                    "to_port": target_port,
                    "referenced_security_group_id": Expr("aws_security_group.nlb.id"),
                },
            ),
        )
    else:
        bp.add(
            _rule(
                "nlb_to_vpc",
                "egress",
                "Forwards connections to targets inside the VPC only.",
                {
                    "security_group_id": Expr("aws_security_group.nlb.id"),
                    "ip_protocol": ip_protocol,
                    "from_port": target_port,
                    "to_port": target_port,
                    "cidr_ipv4": Expr("var.vpc_cidr"),
                },
            )
        )

    comments: list[str] = []
    if ctx.req.environment != "prod":
        comments.append(
            "checkov:skip=CKV_AWS_150:A dev environment must be easy to tear down; prod gets deletion protection"
        )
    bp.add(
        ResourceSpec(
            "aws_lb",
            "nlb",
            "compute",
            "The internal TCP entry point in the private subnets, balanced across zones."
            if internal
            else "The public TCP entry point, spread over every public subnet and balanced across zones.",
            {
                "name_prefix": "nlb-",
                "load_balancer_type": "network",
                "internal": internal,
                "subnets": Expr(
                    "aws_subnet.private[*].id" if internal else "aws_subnet.public[*].id"
                ),
                "security_groups": [Expr("aws_security_group.nlb.id")],
                "enable_cross_zone_load_balancing": True,
                "enable_deletion_protection": ctx.req.environment == "prod",
                **load_balancer_access_logs("nlb"),
                "tags": tags("nlb"),
            },
            comments=tuple(comments),
            block=BLOCK,
        ),
        target_group(
            "nlb",
            f"Where the network load balancer sends connections: {what}, health-checked over TCP.",
            port=target_port,
            protocol="UDP" if protocol == "UDP" else "TCP",
            target_type=target_type,
            health_check={
                "protocol": "TCP",
                "interval": 10,
                "healthy_threshold": 3,
                "unhealthy_threshold": 3,
            },
            block=BLOCK,
        ),
        _listener(bp, protocol, listen),
    )
    if target == "ecs" and service is not None:
        _attach_ecs(bp, service, target_port)
    elif target == "asg" and fleet is not None:
        arns = list(fleet.body.get("target_group_arns") or [])
        arns.append(Expr("aws_lb_target_group.nlb.arn"))
        fleet.body["target_group_arns"] = arns
    else:
        bp.notes.append(
            "Network Load Balancer: the design has no ECS service or Auto Scaling group; register targets in its target group."
        )
    bp.out(
        Output("nlb_dns_name", "aws_lb.nlb.dns_name", "DNS name of the Network Load Balancer."),
    )
    alarm(
        bp,
        "nlb_unhealthy_hosts",
        "Pages when the network load balancer's targets fail their health checks.",
        namespace="AWS/NetworkELB",
        metric="UnHealthyHostCount",
        dimensions={
            "LoadBalancer": Expr("aws_lb.nlb.arn_suffix"),
            "TargetGroup": Expr("aws_lb_target_group.nlb.arn_suffix"),
        },
        threshold=0,
        statistic="Maximum",
    )


def _certificate(bp: Blueprint) -> Expr:
    """The design's validated certificate, or one the user supplies."""
    if bp.has("aws_acm_certificate_validation.app"):
        return Expr("aws_acm_certificate_validation.app.certificate_arn")
    if bp.has("aws_acm_certificate.app"):
        return Expr("aws_acm_certificate.app.arn")
    return bp.var(
        Variable(
            "nlb_certificate_arn",
            "string",
            "ARN of the ACM certificate the Network Load Balancer's TLS listener presents.",
        )
    )


def _listener(bp: Blueprint, protocol: str, listen: Expr) -> ResourceSpec:
    body: dict[str, Any] = {
        "load_balancer_arn": Expr("aws_lb.nlb.arn"),
        "port": listen,
        "protocol": protocol,
    }
    comments: tuple[str, ...] = ()
    if protocol == "TLS":
        body["ssl_policy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
        body["certificate_arn"] = _certificate(bp)
        reason = "Ends TLS 1.3/1.2 on the asked port and forwards plain TCP to the targets."
    else:
        reason = f"Accepts {protocol} traffic on the asked port and forwards it."
        comments = (
            f"checkov:skip=CKV_AWS_2:A {protocol} listener passes the application's own protocol through; TLS ends at the application",
            f"checkov:skip=CKV_AWS_103:A {protocol} listener carries no TLS policy; TLS ends at the application",
        )
    body["default_action"] = Block(
        "default_action",
        body={"type": "forward", "target_group_arn": Expr("aws_lb_target_group.nlb.arn")},
    )
    return ResourceSpec(
        "aws_lb_listener", "nlb_tcp", "compute", reason, body, comments=comments, block=BLOCK
    )


def _attach_ecs(bp: Blueprint, service: ResourceSpec, port: Expr) -> None:
    _expose_container_port(bp, port)
    current = service.body.get("load_balancer")
    blocks = current if isinstance(current, list) else [current] if current is not None else []
    blocks.append(
        Block(
            "load_balancer",
            body={
                "target_group_arn": Expr("aws_lb_target_group.nlb.arn"),
                "container_name": "app",
                "container_port": port,
            },
        )
    )
    service.body["load_balancer"] = blocks
    if service.body.get("health_check_grace_period_seconds") is None:
        service.body["health_check_grace_period_seconds"] = 60
    depends = list(service.body.get("depends_on") or [])
    depends.append(Expr("aws_lb_listener.nlb_tcp"))
    service.body["depends_on"] = depends
    service.reason += " Also registered with the network load balancer."


CAPABILITY = declare(
    "nlb",
    build=build,
    readers={
        "nlb.port": read_port,
        "nlb.protocol": read_protocol,
        "nlb.target_port": read_target_port,
    },
)
