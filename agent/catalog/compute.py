"""Compute: the front door (ALB), then ECS Fargate, EC2 Auto Scaling, EKS, or Lambda."""

from __future__ import annotations

import re
from typing import Any

from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    assume_role,
    interp,
    policy_document,
    tags,
)
from autcloud.agent.catalog.security import log_group, standard_alarm
from autcloud.agent.catalog.storage import (
    add_bucket,
    allow_load_balancer_logs,
    load_balancer_access_logs,
)
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.requirements import Requirements

LAMBDA_SIGNING_SKIP = (
    "checkov:skip=CKV_AWS_272:Code signing needs a signing profile and pipeline; add one with CI/CD"
)


# The image a service runs until the person sets theirs: nginx answers 200 on / at port 80.
PLACEHOLDER_IMAGE = "public.ecr.aws/nginx/nginx:stable"
PLACEHOLDER_PORT = 80
PLACEHOLDER_WRITABLE = {"nginx-cache": "/var/cache/nginx", "nginx-run": "/var/run"}


def role(
    bp: Blueprint,
    name: str,
    service: str,
    reason: str,
    topic: str,
    block: str,
    managed: tuple[str, ...] = (),
    *,
    role_name: str = "",
) -> None:
    """A role ``service`` assumes (named ``role_name``, or after ``name``), with the AWS-managed
    policies in ``managed`` attached."""
    bp.add(
        ResourceSpec(
            "aws_iam_role",
            name,
            topic,
            reason,
            {
                "name": interp(f"${{local.name}}-{role_name or name.replace('_', '-')}"),
                "assume_role_policy": assume_role(service),
            },
            block=block,
        )
    )
    for index, policy in enumerate(managed):
        bp.add(
            ResourceSpec(
                "aws_iam_role_policy_attachment",
                f"{name}_{index}" if len(managed) > 1 else name,
                topic,
                f"Grants the AWS-managed policy {policy.rsplit('/', 1)[-1]}, which this role needs to work.",
                {
                    "role": Expr(f"aws_iam_role.{name}.name"),
                    "policy_arn": f"arn:aws:iam::aws:policy/{policy}",
                },
                block=block,
            )
        )


def instance_profile(name: str, role_name: str, reason: str, block: str) -> ResourceSpec:
    """The instance profile ``name`` that hands role ``role_name`` to EC2 instances (named
    ``<project>-<name>`` with underscores as dashes)."""
    return ResourceSpec(
        "aws_iam_instance_profile",
        name,
        "compute",
        reason,
        {
            "name": interp(f"${{local.name}}-{name.replace('_', '-')}"),
            "role": Expr(f"aws_iam_role.{role_name}.name"),
        },
        block=block,
    )


def role_policy(
    bp: Blueprint,
    role: str,
    policy_name: str,
    statements: list[dict[str, Any]],
    reason: str,
    topic: str,
    block: str,
    *,
    name: str = "",
) -> None:
    """The inline policy of our role ``role``: ``statements`` and nothing more (the resource is
    named ``name``, or after the role)."""
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            name or role,
            topic,
            reason,
            {
                "name": policy_name,
                "role": Expr(f"aws_iam_role.{role}.id"),
                "policy": policy_document(statements),
            },
            block=block,
        )
    )


def security_group(
    bp: Blueprint, name: str, description: str, reason: str, block: str
) -> ResourceSpec:
    """A security group in the VPC (rules are added on their own); returns it, e.g. to skip a check."""
    group = ResourceSpec(
        "aws_security_group",
        name,
        "security",
        reason,
        {
            "name_prefix": interp(f"${{local.name}}-{name.replace('_', '-')}-"),
            "description": description,
            "vpc_id": Expr("aws_vpc.main.id"),
            "tags": tags(name.replace("_", "-")),
            "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
        },
        block=block,
    )
    bp.add(group)
    return group


def _rule_body(
    group: str, port: int | Expr, description: str, peer: str | Expr | None, cidr: str | Expr | None
) -> dict[str, Any]:
    """A TCP rule of security group ``group`` on ``port``, to or from another group (one of ours
    by name, or a group ID expression) and/or a CIDR range."""
    body: dict[str, Any] = {
        "security_group_id": Expr(f"aws_security_group.{group}.id"),
        "description": description,
        "ip_protocol": "tcp",
        "from_port": port,
        "to_port": port,
    }
    if isinstance(peer, Expr):
        body["referenced_security_group_id"] = peer
    elif peer:
        body["referenced_security_group_id"] = Expr(f"aws_security_group.{peer}.id")
    if cidr:
        body["cidr_ipv4"] = cidr
    return body


def ingress(
    bp: Blueprint,
    name: str,
    group: str,
    port: int | Expr,
    reason: str,
    *,
    source_group: str | Expr | None = None,
    cidr: str | Expr | None = None,
    block: str = "security",
    description: str = "",
) -> None:
    """An ingress rule; ``source_group`` is one of ours by name, or any group ID expression."""
    body = _rule_body(group, port, description or reason, source_group, cidr)
    comments: tuple[str, ...] = ()
    if cidr == "0.0.0.0/0" and port == 80:
        comments = (
            "checkov:skip=CKV_AWS_260:Port 80 is the public web entry; it redirects to HTTPS once a domain exists",
        )
    elif source_group and _port_value(bp, port) == 80:
        # checkov reads a port-80 rule without a CIDR as open to the world.
        comments = ("checkov:skip=CKV_AWS_260:Admits one security group only, not 0.0.0.0/0",)
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_ingress_rule",
            name,
            "security",
            reason,
            body,
            comments=comments,
            block=block,
        )
    )


def _port_value(bp: Blueprint, port: int | Expr) -> Any:
    """A port as Terraform resolves it with the defaults: ``var.container_port`` → its default."""
    if isinstance(port, Expr) and str(port).startswith("var."):
        variable = bp.variables.get(str(port).removeprefix("var."))
        return variable.default if variable else None
    return port


def egress(
    bp: Blueprint,
    name: str,
    group: str,
    port: int | Expr,
    reason: str,
    *,
    target_group: str | None = None,
    cidr: str | None = None,
    block: str = "security",
    description: str = "",
) -> None:
    """An egress rule; ``target_group`` is one of ours by name."""
    body = _rule_body(group, port, description or reason, target_group, cidr)
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_egress_rule", name, "security", reason, body, block=block
        )
    )


def app_rules(bp: Blueprint, port: Expr, https_out: str, block: str, *, fronted: bool) -> None:
    """The application's firewall rules (security group ``app``): requests from the load
    balancer only, when it is ``fronted`` by one, and HTTPS out (``https_out`` says for what)."""
    if fronted:
        ingress(
            bp,
            "app_from_alb",
            "app",
            port,
            "Requests from the load balancer only.",
            source_group="alb",
            block=block,
        )
    egress(bp, "app_https_out", "app", 443, https_out, cidr="0.0.0.0/0", block=block)


def add_load_balancer(bp: Blueprint, ctx: Context, *, target_type: str, port: Expr) -> None:
    """An ALB: HTTPS when a domain was given (HTTP otherwise), logs, strict headers.

    Public by default; internal (private subnets, reachable from the VPC only) when the request
    asks for no public exposure ("internal only", "VPN only").
    """
    from autcloud.agent.capabilities.https import https_asked  # capabilities import catalog

    bp.blocks.append("alb")
    # HTTPS with a domain: a DNS-validated certificate. HTTPS asked (or a compliance scope of TLS_SCOPES) without
    # a domain: an HTTPS listener on a certificate ARN the user supplies, unless CloudFront fronts the
    # load balancer (then its default certificate serves HTTPS to viewers).
    byo_certificate = not ctx.req.domain and https_asked(ctx) and not ctx.req.has("cdn")
    https = bool(ctx.req.domain) or byo_certificate
    private = ctx.req.private
    source = Expr("var.vpc_cidr") if private else "0.0.0.0/0"
    who = "the VPC (internal only, as asked)" if private else "anywhere: the public entry point"
    security_group(
        bp,
        "alb",
        "Internal load balancer" if private else "Public load balancer",
        "The load balancer's firewall: web ports in, app port out.",
        "alb",
    )
    ingress(
        bp,
        "alb_https" if https else "alb_http",
        "alb",
        443 if https else 80,
        f"HTTPS from {who}." if https else f"HTTP from {who} (no domain given for HTTPS yet).",
        cidr=source,
        block="alb",
    )
    if https:
        ingress(
            bp,
            "alb_http_redirect",
            "alb",
            80,
            f"HTTP from {who.split(':')[0]}, only to redirect to HTTPS.",
            cidr=source,
            block="alb",
        )
    egress(
        bp,
        "alb_to_app",
        "alb",
        port,
        "Forwards requests to the application only.",
        target_group="app",
        block="alb",
    )
    allow_load_balancer_logs(bp, "alb", "LoadBalancerAccessLogs", "alb")
    comments: list[str] = []
    if not ctx.req.has("waf"):
        comments.append(
            "checkov:skip=CKV2_AWS_28:No WAF was asked for; add 'WAF' to the request to attach one"
        )
    elif ctx.req.has("cdn"):
        comments.append(
            "checkov:skip=CKV2_AWS_28:The WAF sits on CloudFront, in front of this load balancer"
        )
    if ctx.req.environment != "prod":
        comments.append(
            "checkov:skip=CKV_AWS_150:A dev environment must be easy to tear down; prod gets deletion protection"
        )
    if not https:
        comments.append(
            "checkov:skip=CKV2_AWS_20:No domain was given, so no certificate; name a domain to get HTTPS"
        )
    bp.add(
        ResourceSpec(
            "aws_lb",
            "app",
            "compute",
            "The internal entry point, in the private subnets (no public exposure was asked)."
            if private
            else "The public entry point, spread over every public subnet.",
            {
                "name_prefix": "app-",
                "load_balancer_type": "application",
                "internal": private,
                "security_groups": [Expr("aws_security_group.alb.id")],
                "subnets": Expr(
                    "aws_subnet.private[*].id" if private else "aws_subnet.public[*].id"
                ),
                "drop_invalid_header_fields": True,
                "enable_deletion_protection": ctx.req.environment == "prod",
                **load_balancer_access_logs("alb"),
                "tags": tags("alb"),
            },
            comments=tuple(comments),
            block="alb",
        )
    )
    health = bp.var(
        Variable(
            "health_check_path", "string", "HTTP path the load balancer checks for health.", "/"
        )
    )
    targets = target_group(
        "app",
        "Where the load balancer sends traffic, with health checks.",
        port=port,
        protocol="HTTP",
        target_type=target_type,
        health_check={
            "path": health,
            "matcher": "200-399",
            "interval": 15,
            "healthy_threshold": 2,
            "unhealthy_threshold": 3,
        },
        block="alb",
    )
    targets.skip(
        "CKV_AWS_378", "TLS ends at the load balancer; traffic to targets stays inside the VPC"
    )
    bp.add(targets)
    if byo_certificate:
        certificate: Expr = bp.var(
            Variable(
                "alb_certificate_arn",
                "string",
                "Required. ARN of the ACM certificate the load balancer serves HTTPS with (HTTPS was "
                "asked but no domain named): request one for your domain with aws acm "
                "request-certificate, or import yours with aws acm import-certificate.",
                validation=(
                    'can(regex("^arn:aws[a-z-]*:acm:", var.alb_certificate_arn))',
                    "alb_certificate_arn must be an ACM certificate ARN.",
                ),
            )
        )
        bp.notes.append(
            "HTTPS was asked without a domain: the load balancer listens on 443 with the ACM "
            "certificate you give in alb_certificate_arn (plain HTTP only redirects); name the "
            "domain instead to have the certificate requested and validated for you."
        )
    else:
        # the validated ARN: the listener waits until the certificate is issued
        certificate = Expr("aws_acm_certificate_validation.app.certificate_arn")
    if not https and not private and not ctx.req.has("cdn"):
        # Never a silent plain-HTTP front door: the person reads this with the design.
        bp.notes.append(
            "HTTP only: no domain was named, so the public load balancer serves plain HTTP on "
            'port 80. Name the domain ("domain app.example.com") to get a validated '
            "certificate and HTTPS, or say HTTPS and give a certificate ARN."
        )
    if https and not byo_certificate:
        bp.add(
            ResourceSpec(
                "aws_acm_certificate",
                "app",
                "edge",
                "The TLS certificate for the domain, validated through DNS.",
                {
                    "domain_name": Expr("var.domain_name"),
                    "subject_alternative_names": [interp("*.${var.domain_name}")],
                    "validation_method": "DNS",
                    "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
                    "tags": tags("certificate"),
                },
                block="alb",
            )
        )
    if https:
        bp.add(
            _listener(
                "https",
                "Terminates TLS 1.3/1.2 and forwards to the application.",
                443,
                ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificate_arn=certificate,
            ),
            _listener(
                "http_redirect",
                "Sends plain-HTTP visitors to HTTPS.",
                80,
                redirect={"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
            ),
        )
        bp.out(
            Output(
                "app_url",
                '"https://${aws_lb.app.dns_name}"'
                if byo_certificate
                else '"https://${var.domain_name}"',
                "Where the application answers.",
            )
        )
    else:
        bp.add(
            _listener(
                "http",
                "Forwards HTTP to the application (HTTPS needs a domain).",
                80,
                comments=(
                    "checkov:skip=CKV_AWS_2:No domain was given for a certificate; name one to switch to HTTPS",
                    "checkov:skip=CKV_AWS_103:TLS applies once a domain and certificate exist",
                ),
            )
        )
        bp.out(
            Output("app_url", '"http://${aws_lb.app.dns_name}"', "Where the application answers.")
        )
    bp.out(
        Output("load_balancer_dns_name", "aws_lb.app.dns_name", "DNS name of the load balancer.")
    )
    standard_alarm(bp, "alb_5xx")
    standard_alarm(bp, "alb_unhealthy_hosts")


def target_group(
    name: str,
    reason: str,
    *,
    port: int | Expr,
    protocol: str,
    target_type: str,
    health_check: dict[str, Any],
    block: str,
) -> ResourceSpec:
    """A load balancer's target group ``name`` in the VPC: targets drain for 30 seconds, and a
    replacement is made before the old group goes (its name_prefix lets both exist at once)."""
    return ResourceSpec(
        "aws_lb_target_group",
        name,
        "compute",
        reason,
        {
            "name_prefix": f"{name}-",
            "port": port,
            "protocol": protocol,
            "target_type": target_type,
            "vpc_id": Expr("aws_vpc.main.id"),
            "deregistration_delay": 30,
            "health_check": Block("health_check", body=health_check),
            "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
            "tags": tags(name),
        },
        block=block,
    )


def _listener(
    name: str,
    reason: str,
    port: int,
    *,
    redirect: dict[str, str] | None = None,
    comments: tuple[str, ...] = (),
    **settings: Any,
) -> ResourceSpec:
    """A listener of the application load balancer: HTTPS on 443, HTTP otherwise; it forwards
    to the application, or answers with ``redirect``."""
    action: dict[str, Any] = (
        {"type": "redirect", "redirect": Block("redirect", body=redirect)}
        if redirect
        else {"type": "forward", "target_group_arn": Expr("aws_lb_target_group.app.arn")}
    )
    return ResourceSpec(
        "aws_lb_listener",
        name,
        "compute",
        reason,
        {
            "load_balancer_arn": Expr("aws_lb.app.arn"),
            "port": port,
            "protocol": "HTTPS" if port == 443 else "HTTP",
            **settings,
            "default_action": Block("default_action", body=action),
        },
        comments=comments,
        block="alb",
    )


TASK_SIZES = ((256, 512), (512, 1024), (1024, 2048), (2048, 4096), (4096, 8192))


def task_size(ctx: Context) -> tuple[int, int]:
    """Fargate (cpu units, memory MiB) for the daily users: the smallest that fits."""
    users = ctx.req.daily_users
    natural = 1 if users <= 20_000 else 2 if users <= 200_000 else 3 if users <= 1_000_000 else 4
    return ctx.sized(TASK_SIZES, natural)


def capacity(ctx: Context) -> tuple[int, int, int]:
    """(min, desired, max) tasks or instances."""
    req = ctx.req
    floor = 2 if (ctx.ha or req.environment == "prod") else 1
    by_scale = max(1, req.daily_users // 100_000 + 1)
    if req.requests_per_second:
        by_scale = max(by_scale, req.requests_per_second // 200 + 1)
    minimum = req.min_capacity or max(floor, min(by_scale, 4))
    desired = req.desired_count or minimum
    maximum = req.max_capacity or max(desired * 4, minimum * 2, 4)
    minimum = min(minimum, desired)
    return minimum, max(desired, minimum), max(maximum, desired)


def scheduled_only(req: Requirements) -> bool:
    """Whether the containers only run as a scheduled job (no web, no queue): no service at all."""
    return (
        "ecs_scheduled_task" in req.services
        and not req.has_web()
        and "queue_workers" not in req.workloads
    )


def serves_http(req: Requirements) -> bool:
    """Whether the containers answer requests (a load balancer) or only work a queue or a schedule."""
    if req.no_load_balancer:
        return False  # "no load balancer": asked away
    return not (("queue_workers" in req.workloads or scheduled_only(req)) and not req.has_web())


def fleet_serves_http(req: Requirements) -> bool:
    """Whether an EC2 fleet answers requests: web words, or nothing else said it does. A server
    whose only stated way in is Session Manager ("EC2 접속은 SSM 세션 매니저로만") serves nobody
    that was named, so it gets no public load balancer."""
    if req.no_load_balancer:
        return False
    if req.has_web() or req.has("load_balancer"):
        return True
    return not (set(req.workloads) - {"vm"}) and "session_manager" not in req.services


def add_ecs_service(
    bp: Blueprint,
    ctx: Context,
    app_env: dict[str, Expr],
    app_secrets: dict[str, Expr],
    task_policy: list[dict[str, Any]],
) -> None:
    """An ECS Fargate service, behind the ALB unless it only works a queue; autoscaled on CPU."""
    bp.blocks.append("ecs")
    req = ctx.req
    public = serves_http(req)
    placeholder = not req.container_image
    image = bp.var(
        Variable(
            "container_image",
            "string",
            "Container image the service runs."
            + (
                " The default is a placeholder (nginx on port 80): set your own."
                if placeholder
                else ""
            ),
            req.container_image or PLACEHOLDER_IMAGE,
        )
    )
    stated_port = "container_port" in req.stated
    port = bp.var(
        Variable(
            "container_port",
            "number",
            "Port the container listens on.",
            PLACEHOLDER_PORT if placeholder and not stated_port else req.container_port,
        )
    )
    if placeholder and stated_port and req.container_port != PLACEHOLDER_PORT and public:
        bp.notes.append(
            f"Image: none was named, so the service runs the nginx placeholder, which listens on "
            f"port {PLACEHOLDER_PORT}; it turns healthy once container_image is your image "
            f"listening on {req.container_port}."
        )
    # A read-only root filesystem needs writable scratch space: /tmp for any image, and the
    # cache and pid directories the nginx placeholder writes.
    writable = {"tmp": "/tmp"} | (PLACEHOLDER_WRITABLE if placeholder else {})
    cpu, memory = task_size(ctx)
    minimum, desired, maximum = capacity(ctx)
    desired_var = bp.var(Variable("desired_count", "number", "Tasks to run normally.", desired))
    min_var = bp.var(Variable("min_capacity", "number", "Fewest tasks autoscaling keeps.", minimum))
    max_var = bp.var(
        Variable("max_capacity", "number", "Most tasks autoscaling may start.", maximum)
    )
    security_group(
        bp,
        "app",
        "Application tasks",
        "The application's firewall: only the load balancer gets in."
        if public
        else "The workers' firewall: nothing gets in; they only call out.",
        "ecs",
    )
    if public:
        add_load_balancer(bp, ctx, target_type="ip", port=port)
    app_rules(
        bp, port, "HTTPS out (AWS APIs, image pulls, third-party APIs).", "ecs", fronted=public
    )
    log_group(
        bp,
        "app",
        "/ecs/${local.name}/app",
        "The application's logs, encrypted, with bounded retention.",
        "compute",
        "ecs",
    )
    role(
        bp,
        "task_execution",
        "ecs-tasks.amazonaws.com",
        "Lets ECS pull the image and write logs.",
        "compute",
        "ecs",
        ("service-role/AmazonECSTaskExecutionRolePolicy",),
    )
    role(
        bp,
        "task",
        "ecs-tasks.amazonaws.com",
        "The application's own identity: only the permissions it uses.",
        "compute",
        "ecs",
    )
    if app_secrets:
        role_policy(
            bp,
            "task_execution",
            "read-app-secrets",
            [
                {
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": list(app_secrets.values()),
                },
                {
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": Expr("aws_kms_key.main.arn"),
                },
            ],
            "Lets ECS inject the database secret at start.",
            "compute",
            "ecs",
            name="task_execution_secrets",
        )
    if task_policy:
        role_policy(
            bp,
            "task",
            "app-permissions",
            task_policy,
            "The application's permissions, each scoped to one resource.",
            "compute",
            "ecs",
        )
    container = {
        "name": "app",
        "image": image,
        "essential": True,
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": name, "containerPath": path, "readOnly": False}
            for name, path in writable.items()
        ],
        "portMappings": [{"containerPort": port, "protocol": "tcp"}] if public else [],
        "environment": [{"name": key, "value": value} for key, value in sorted(app_env.items())],
        "secrets": [
            {"name": key, "valueFrom": value} for key, value in sorted(app_secrets.items())
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": Expr("aws_cloudwatch_log_group.app.name"),
                "awslogs-region": Expr("var.region"),
                "awslogs-stream-prefix": "app",
            },
        },
    }
    bp.add(
        ResourceSpec(
            "aws_ecs_cluster",
            "main",
            "compute",
            "The ECS cluster, with Container Insights for metrics.",
            {
                "name": Expr("local.name"),
                "setting": Block("setting", body={"name": "containerInsights", "value": "enabled"}),
                "tags": tags("cluster"),
            },
            block="ecs",
        ),
        ResourceSpec(
            "aws_ecs_task_definition",
            "app",
            "compute",
            f"The application container on Fargate: {cpu} CPU units, {memory} MiB, read-only root filesystem.",
            {
                "family": interp("${local.name}-app"),
                "requires_compatibilities": ["FARGATE"],
                "network_mode": "awsvpc",
                "cpu": str(cpu),
                "memory": str(memory),
                "execution_role_arn": Expr("aws_iam_role.task_execution.arn"),
                "task_role_arn": Expr("aws_iam_role.task.arn"),
                "runtime_platform": Block(
                    "runtime_platform",
                    body={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
                ),
                "container_definitions": jsonencode([container]),
                "volume": [Block("volume", body={"name": name}) for name in writable],
            },
            block="ecs",
        ),
        ResourceSpec(
            "aws_ecs_service",
            "app",
            "compute",
            f"Runs {desired} task(s) across the private subnets, rolling back failed deployments.",
            {
                "name": "app",
                "cluster": Expr("aws_ecs_cluster.main.id"),
                "task_definition": Expr("aws_ecs_task_definition.app.arn"),
                "desired_count": desired_var,
                "launch_type": "FARGATE",
                "propagate_tags": "SERVICE",
                "enable_execute_command": False,
                "health_check_grace_period_seconds": 60 if public else None,
                "network_configuration": Block(
                    "network_configuration",
                    body={
                        "subnets": Expr("aws_subnet.private[*].id"),
                        "security_groups": [Expr("aws_security_group.app.id")],
                        "assign_public_ip": False,
                    },
                ),
                "load_balancer": Block(
                    "load_balancer",
                    body={
                        "target_group_arn": Expr("aws_lb_target_group.app.arn"),
                        "container_name": "app",
                        "container_port": port,
                    },
                )
                if public
                else None,
                "deployment_circuit_breaker": Block(
                    "deployment_circuit_breaker", body={"enable": True, "rollback": True}
                ),
                "lifecycle": Block("lifecycle", body={"ignore_changes": [Expr("desired_count")]}),
                "depends_on": [
                    Expr(
                        "aws_lb_listener.https"
                        if bp.has("aws_lb_listener.https")
                        else "aws_lb_listener.http"
                    )
                ]
                if public
                else None,
            },
            block="ecs",
        ),
        ResourceSpec(
            "aws_appautoscaling_target",
            "app",
            "compute",
            f"Lets the service scale between {minimum} and {maximum} tasks.",
            {
                "service_namespace": "ecs",
                "scalable_dimension": "ecs:service:DesiredCount",
                "resource_id": interp(
                    "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.app.name}"
                ),
                "min_capacity": min_var,
                "max_capacity": max_var,
            },
            block="ecs",
        ),
        ResourceSpec(
            "aws_appautoscaling_policy",
            "app_cpu",
            "compute",
            "Adds tasks when average CPU passes 60%, removes them after.",
            {
                "name": "cpu-target-tracking",
                "policy_type": "TargetTrackingScaling",
                "service_namespace": Expr("aws_appautoscaling_target.app.service_namespace"),
                "scalable_dimension": Expr("aws_appautoscaling_target.app.scalable_dimension"),
                "resource_id": Expr("aws_appautoscaling_target.app.resource_id"),
                "target_tracking_scaling_policy_configuration": Block(
                    "target_tracking_scaling_policy_configuration",
                    body={
                        "target_value": 60,
                        "predefined_metric_specification": Block(
                            "predefined_metric_specification",
                            body={"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
                        ),
                        "scale_in_cooldown": 120,
                        "scale_out_cooldown": 60,
                    },
                ),
            },
            block="ecs",
        ),
    )
    standard_alarm(bp, "app_cpu_high")
    bp.out(
        Output("ecs_cluster_name", "aws_ecs_cluster.main.name", "Name of the ECS cluster."),
        Output("ecs_service_name", "aws_ecs_service.app.name", "Name of the ECS service."),
    )
    if scheduled_only(req):
        _without_service(bp)


def _without_service(bp: Blueprint) -> None:
    """A job that only runs on a schedule: the task definition stays, nothing runs between runs."""
    gone = {
        "aws_ecs_service.app",
        "aws_appautoscaling_target.app",
        "aws_appautoscaling_policy.app_cpu",
        "aws_cloudwatch_metric_alarm.app_cpu_high",
    }
    bp.resources[:] = [r for r in bp.resources if r.address not in gone]
    bp.outputs[:] = [o for o in bp.outputs if o.name != "ecs_service_name"]
    for name in ("desired_count", "min_capacity", "max_capacity"):
        bp.variables.pop(name, None)
    group = bp.find("aws_security_group.app")
    if group is not None:
        group.skip(
            "CKV2_AWS_5", "The scheduled task's network configuration attaches it at each run"
        )


# NVIDIA GPU families: their instances need the driver, which plain Amazon Linux lacks.
NVIDIA_GPU_FAMILY = re.compile(r"^(g4dn|g5g?|g6[ef]?|gr6f?|g7e?|p4de?|p5e?n?|p6(-[a-z0-9]+)?)\.")
GPU_ROOT_GB = 100  # the Deep Learning Base AMI's root snapshot is about 75 GB


def is_nvidia_gpu(instance_type: str) -> bool:
    return bool(NVIDIA_GPU_FAMILY.match(instance_type))


def ami_parameter(arch: str, *, gpu: bool) -> str:
    """The public SSM parameter naming the latest AMI: Amazon Linux 2023, or for NVIDIA GPU
    instances the Deep Learning Base OSS Nvidia Driver AMI built on it."""
    if gpu:
        return (
            f"/aws/service/deeplearning/ami/{arch}/"
            "base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id"
        )
    return f"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"


def hardened_instance(volume_gb: int) -> dict[str, Any]:
    """Launch-template settings every instance gets: IMDSv2 only, detailed monitoring, an
    encrypted gp3 root disk that goes with the instance."""
    return {
        "metadata_options": Block(
            "metadata_options",
            body={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
        ),
        "monitoring": Block("monitoring", body={"enabled": True}),
        "block_device_mappings": Block(
            "block_device_mappings",
            body={
                "device_name": "/dev/xvda",
                "ebs": Block(
                    "ebs",
                    body={
                        "volume_size": volume_gb,
                        "volume_type": "gp3",
                        # Encrypted with the account's AWS managed EBS key: Auto Scaling
                        # launches through its service-linked role, which a key policy can
                        # only name once the role exists (instances would fail to launch).
                        "encrypted": True,
                        "delete_on_termination": True,
                    },
                ),
            },
        ),
    }


def rolling_launch(template: str) -> dict[str, Block]:
    """An Auto Scaling group's instances from our launch template ``template`` (its latest
    version), replaced in a rolling refresh that keeps half the group in service."""
    return {
        "launch_template": Block(
            "launch_template",
            body={"id": Expr(f"aws_launch_template.{template}.id"), "version": "$Latest"},
        ),
        "instance_refresh": Block(
            "instance_refresh",
            body={
                "strategy": "Rolling",
                "preferences": Block("preferences", body={"min_healthy_percentage": 50}),
            },
        ),
    }


def add_ec2_fleet(bp: Blueprint, ctx: Context, task_policy: list[dict[str, Any]]) -> None:
    """An Auto Scaling group of EC2 instances (IMDSv2, encrypted disks, SSM access) behind the ALB."""
    bp.blocks.append("ec2")
    req = ctx.req
    instance_type = bp.var(
        Variable(
            "instance_type",
            "string",
            "EC2 instance type of the fleet.",
            req.instance_type or "t3.small",
        )
    )
    port = bp.var(
        Variable("app_port", "number", "Port the application listens on.", req.container_port)
    )
    minimum, desired, maximum = capacity(ctx)
    # Graviton families (t4g, c7g, m6gd): arm64 images.
    arch = "arm64" if re.match(r"^[a-z]+\d+g[a-z]*\.", req.instance_type or "") else "x86_64"
    gpu = is_nvidia_gpu(req.instance_type or "")
    fronted = fleet_serves_http(req)
    if fronted:
        add_load_balancer(bp, ctx, target_type="instance", port=port)
    security_group(
        bp,
        "app",
        "Application instances",
        "The instances' firewall: only the load balancer gets in."
        if fronted
        else "The instances' firewall: nothing gets in (Session Manager needs no inbound port).",
        "ec2",
    )
    app_rules(bp, port, "HTTPS out (updates, AWS APIs, SSM).", "ec2", fronted=fronted)
    role(
        bp,
        "instance",
        "ec2.amazonaws.com",
        "The instances' identity: SSM Session Manager instead of SSH keys.",
        "compute",
        "ec2",
        ("AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"),
    )
    if task_policy:
        role_policy(
            bp,
            "instance",
            "app-permissions",
            task_policy,
            "The application's own permissions.",
            "compute",
            "ec2",
            name="instance_app",
        )
    bp.add(
        instance_profile("app", "instance", "Hands the instance role to EC2.", "ec2"),
        ResourceSpec(
            "aws_ssm_parameter",
            "al2023",
            "compute",
            f"The latest Amazon Linux 2023 AMI ({arch})"
            + (" with the NVIDIA driver and CUDA (Deep Learning Base AMI)" if gpu else "")
            + ", looked up at plan time.",
            {"name": ami_parameter(arch, gpu=gpu)},
            data_source=True,
            block="ec2",
        ),
        ResourceSpec(
            "aws_launch_template",
            "app",
            "compute",
            "Instance settings: IMDSv2 only, encrypted gp3 disk, detailed monitoring.",
            {
                "name_prefix": interp("${local.name}-app-"),
                "image_id": Expr("data.aws_ssm_parameter.al2023.value"),
                "instance_type": instance_type,
                "update_default_version": True,
                "iam_instance_profile": Block(
                    "iam_instance_profile", body={"arn": Expr("aws_iam_instance_profile.app.arn")}
                ),
                "vpc_security_group_ids": [Expr("aws_security_group.app.id")],
                **hardened_instance(
                    max(req.storage_gb or 20, GPU_ROOT_GB) if gpu else (req.storage_gb or 20)
                ),
                "tag_specifications": Block(
                    "tag_specifications", body={"resource_type": "instance", "tags": tags("app")}
                ),
            },
            block="ec2",
        ),
        ResourceSpec(
            "aws_autoscaling_group",
            "app",
            "compute",
            f"Keeps {minimum}–{maximum} instances across the private subnets, replacing unhealthy ones.",
            {
                "name_prefix": interp("${local.name}-app-"),
                "min_size": minimum,
                "max_size": maximum,
                "desired_capacity": desired,
                "vpc_zone_identifier": Expr("aws_subnet.private[*].id"),
                "target_group_arns": [Expr("aws_lb_target_group.app.arn")] if fronted else None,
                "health_check_type": "ELB" if fronted else "EC2",
                "health_check_grace_period": 120,
                **rolling_launch("app"),
                "tag": Block(
                    "tag",
                    body={
                        "key": "Name",
                        "value": interp("${local.name}-app"),
                        "propagate_at_launch": True,
                    },
                ),
            },
            block="ec2",
        ),
        ResourceSpec(
            "aws_autoscaling_policy",
            "app_cpu",
            "compute",
            "Adds instances when average CPU passes 60%.",
            {
                "name": "cpu-target-tracking",
                "autoscaling_group_name": Expr("aws_autoscaling_group.app.name"),
                "policy_type": "TargetTrackingScaling",
                "target_tracking_configuration": Block(
                    "target_tracking_configuration",
                    body={
                        "target_value": 60,
                        "predefined_metric_specification": Block(
                            "predefined_metric_specification",
                            body={"predefined_metric_type": "ASGAverageCPUUtilization"},
                        ),
                    },
                ),
            },
            block="ec2",
        ),
    )
    bp.out(
        Output(
            "autoscaling_group_name",
            "aws_autoscaling_group.app.name",
            "Name of the Auto Scaling group.",
        )
    )


def add_eks(bp: Blueprint, ctx: Context) -> None:
    """An EKS cluster (private API endpoint, encrypted secrets, all control-plane logs) and a managed node group."""
    bp.blocks.append("eks")
    req = ctx.req
    version = bp.var(
        Variable("kubernetes_version", "string", "Kubernetes version of the EKS cluster.", "1.31")
    )
    node_type = bp.var(
        Variable(
            "node_instance_type",
            "string",
            "Instance type of the worker nodes.",
            req.instance_type or "t3.large",
        )
    )
    minimum, desired, maximum = capacity(ctx)
    nodes = req.desired_count or desired
    role(
        bp,
        "eks_cluster",
        "eks.amazonaws.com",
        "The control plane's identity.",
        "compute",
        "eks",
        ("AmazonEKSClusterPolicy",),
    )
    role(
        bp,
        "eks_nodes",
        "ec2.amazonaws.com",
        "The worker nodes' identity: join the cluster, pull images, pod networking.",
        "compute",
        "eks",
        (
            "AmazonEKSWorkerNodePolicy",
            "AmazonEKS_CNI_Policy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonSSMManagedInstanceCore",
        ),
    )
    log_group(
        bp,
        "eks",
        "/aws/eks/${local.name}/cluster",
        "Control-plane logs, encrypted, with bounded retention.",
        "compute",
        "eks",
    )
    bp.add(
        ResourceSpec(
            "aws_eks_cluster",
            "main",
            "compute",
            "The Kubernetes control plane: private API endpoint, KMS-encrypted secrets, every log type on.",
            {
                "name": Expr("local.name"),
                "role_arn": Expr("aws_iam_role.eks_cluster.arn"),
                "version": version,
                "enabled_cluster_log_types": [
                    "api",
                    "audit",
                    "authenticator",
                    "controllerManager",
                    "scheduler",
                ],
                "vpc_config": Block(
                    "vpc_config",
                    body={
                        "subnet_ids": Expr("aws_subnet.private[*].id"),
                        "endpoint_private_access": True,
                        "endpoint_public_access": False,
                    },
                ),
                "encryption_config": Block(
                    "encryption_config",
                    body={
                        "resources": ["secrets"],
                        "provider": Block(
                            "provider", body={"key_arn": Expr("aws_kms_key.main.arn")}
                        ),
                    },
                ),
                "access_config": Block("access_config", body={"authentication_mode": "API"}),
                "depends_on": [
                    Expr("aws_iam_role_policy_attachment.eks_cluster"),
                    Expr("aws_cloudwatch_log_group.eks"),
                ],
                "tags": tags("eks"),
            },
            block="eks",
        ),
        ResourceSpec(
            "aws_eks_node_group",
            "default",
            "compute",
            f"{nodes} managed worker node(s) in the private subnets, autoscaled up to {max(maximum, nodes)}.",
            {
                "cluster_name": Expr("aws_eks_cluster.main.name"),
                "node_group_name": "default",
                "node_role_arn": Expr("aws_iam_role.eks_nodes.arn"),
                "subnet_ids": Expr("aws_subnet.private[*].id"),
                "instance_types": [node_type],
                "ami_type": "AL2023_x86_64_STANDARD",
                "scaling_config": Block(
                    "scaling_config",
                    body={
                        "desired_size": nodes,
                        "min_size": min(minimum, nodes),
                        "max_size": max(maximum, nodes),
                    },
                ),
                "update_config": Block("update_config", body={"max_unavailable": 1}),
                "depends_on": [
                    Expr("aws_iam_role_policy_attachment.eks_nodes_0"),
                    Expr("aws_iam_role_policy_attachment.eks_nodes_1"),
                    Expr("aws_iam_role_policy_attachment.eks_nodes_2"),
                ],
                "lifecycle": Block(
                    "lifecycle", body={"ignore_changes": [Expr("scaling_config[0].desired_size")]}
                ),
                "tags": tags("nodes"),
            },
            block="eks",
        ),
    )
    bp.out(
        Output("eks_cluster_name", "aws_eks_cluster.main.name", "Name of the EKS cluster."),
        Output(
            "eks_cluster_endpoint",
            "aws_eks_cluster.main.endpoint",
            "Private API endpoint of the cluster.",
        ),
    )


def lambda_vpc_config(bp: Blueprint) -> Block:
    """A function's place in the private subnets, behind the functions' shared security group
    (outbound HTTPS only; made with the first function that needs it)."""
    if not bp.has("aws_security_group.lambda"):
        security_group(
            bp, "lambda", "Lambda functions", "The functions' firewall: outbound only.", "lambda"
        )
        egress(
            bp,
            "lambda_https_out",
            "lambda",
            443,
            "HTTPS out (AWS APIs).",
            cidr="0.0.0.0/0",
            block="lambda",
        )
    return Block(
        "vpc_config",
        body={
            "subnet_ids": Expr("aws_subnet.private[*].id"),
            "security_group_ids": [Expr("aws_security_group.lambda.id")],
        },
    )


def add_lambda(
    bp: Blueprint,
    ctx: Context,
    name: str,
    reason: str,
    env: dict[str, Expr],
    policy: list[dict[str, Any]],
    in_vpc: bool,
) -> None:
    """One Lambda function: traced, bounded concurrency, DLQ, encrypted environment, code from S3
    (the artifacts bucket, made with the first function)."""
    bp.blocks.append("lambda")
    if not bp.has("aws_s3_bucket.artifacts"):
        add_bucket(
            bp,
            "artifacts",
            "Deployment packages for the Lambda functions.",
            transition_to_ia_days=None,
        )
    bp.var(Variable("lambda_runtime", "string", "Runtime of the Lambda functions.", "python3.12"))
    bp.var(
        Variable(
            "lambda_package_key",
            "string",
            "S3 key of the function code package in the artifacts bucket.",
            "lambda/app.zip",
        )
    )
    managed = (
        ("service-role/AWSLambdaVPCAccessExecutionRole",)
        if in_vpc
        else ("service-role/AWSLambdaBasicExecutionRole",)
    )
    role(
        bp,
        f"{name}_lambda",
        "lambda.amazonaws.com",
        f"The {name} function's identity.",
        "compute",
        "lambda",
        managed,
    )
    statements = [
        *policy,
        {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": Expr(f"aws_sqs_queue.{name}_dlq.arn"),
        },
        {
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": Expr("aws_kms_key.main.arn"),
        },
    ]
    role_policy(
        bp,
        f"{name}_lambda",
        f"{name}-permissions",
        statements,
        f"The {name} function's permissions, each scoped.",
        "compute",
        "lambda",
    )
    bp.add(
        ResourceSpec(
            "aws_sqs_queue",
            f"{name}_dlq",
            "messaging",
            f"Keeps failed asynchronous {name} invocations for inspection.",
            {
                "name": interp(f"${{local.name}}-{name}-dlq"),
                "kms_master_key_id": Expr("aws_kms_key.main.id"),
                "message_retention_seconds": 1209600,
            },
            block="lambda",
        ),
    )
    log_group(
        bp,
        f"{name}_lambda",
        f"/aws/lambda/${{local.name}}-{name}",
        f"The {name} function's logs.",
        "compute",
        "lambda",
    )
    body: dict[str, Any] = {
        "function_name": interp(f"${{local.name}}-{name}"),
        "role": Expr(f"aws_iam_role.{name}_lambda.arn"),
        "runtime": Expr("var.lambda_runtime"),
        "handler": "app.handler",
        "architectures": ["arm64"],
        "s3_bucket": Expr("aws_s3_bucket.artifacts.id"),
        "s3_key": Expr("var.lambda_package_key"),
        "memory_size": 512,
        "timeout": 29,
        "reserved_concurrent_executions": 100,
        "tracing_config": Block("tracing_config", body={"mode": "Active"}),
        "dead_letter_config": Block(
            "dead_letter_config", body={"target_arn": Expr(f"aws_sqs_queue.{name}_dlq.arn")}
        ),
        "logging_config": Block(
            "logging_config",
            body={
                "log_format": "JSON",
                "log_group": Expr(f"aws_cloudwatch_log_group.{name}_lambda.name"),
            },
        ),
    }
    if env:  # a key without variables would make the provider report drift forever
        body["environment"] = Block("environment", body={"variables": dict(sorted(env.items()))})
        body["kms_key_arn"] = Expr("aws_kms_key.main.arn")
    comments = [LAMBDA_SIGNING_SKIP]
    if in_vpc:
        body["vpc_config"] = lambda_vpc_config(bp)
    else:
        comments.append(
            "checkov:skip=CKV_AWS_117:It reaches no private resource, so it stays out of the VPC (no NAT cost)"
        )
    bp.add(
        ResourceSpec(
            "aws_lambda_function",
            name,
            "compute",
            reason,
            body,
            comments=tuple(comments),
            block="lambda",
        )
    )
    standard_alarm(bp, "lambda_errors", name)


# What an API Gateway (v2) stage writes of each request to its access log.
API_ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "status": "$context.status",
    "routeKey": "$context.routeKey",
    "latency": "$context.integrationLatency",
}


def api_access_log(bp: Blueprint, topic: str, block: str) -> None:
    """The encrypted log group ``api`` that the API's stage (``api_stage``) writes requests to."""
    log_group(
        bp, "api", "/aws/apigateway/${local.name}", "API access logs, encrypted.", topic, block
    )


def api_stage(name: str, topic: str, block: str) -> ResourceSpec:
    """The API's stage ``name`` (resource ``default``): deployed on every change, every request
    logged to the ``api`` log group, bursts throttled."""
    return ResourceSpec(
        "aws_apigatewayv2_stage",
        "default",
        topic,
        "Deploys the API automatically, logs every request, throttles bursts.",
        {
            "api_id": Expr("aws_apigatewayv2_api.main.id"),
            "name": name,
            "auto_deploy": True,
            "access_log_settings": Block(
                "access_log_settings",
                body={
                    "destination_arn": Expr("aws_cloudwatch_log_group.api.arn"),
                    "format": jsonencode(API_ACCESS_LOG_FORMAT),
                },
            ),
            "default_route_settings": Block(
                "default_route_settings",
                body={"throttling_burst_limit": 500, "throttling_rate_limit": 1000},
            ),
            "tags": tags("api-stage"),
        },
        block=block,
    )


def add_http_api(bp: Blueprint, ctx: Context, function: str, *, websocket: bool) -> None:
    """API Gateway (HTTP or WebSocket) in front of a Lambda function, with access logs."""
    bp.blocks.append("api_gateway")
    kind = "WEBSOCKET" if websocket else "HTTP"
    api_access_log(bp, "compute", "api_gateway")
    api_body: dict[str, Any] = {
        "name": interp("${local.name}-api"),
        "protocol_type": kind,
        "tags": tags("api"),
    }
    if websocket:
        api_body["route_selection_expression"] = "$request.body.action"
    else:
        api_body["cors_configuration"] = Block(
            "cors_configuration",
            body={
                "allow_origins": Expr("var.cors_allowed_origins"),
                "allow_methods": ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
                "allow_headers": ["content-type", "authorization"],
                "max_age": 3600,
            },
        )
        bp.var(
            Variable(
                "cors_allowed_origins",
                "list(string)",
                "Origins allowed to call the API from a browser.",
                [f"https://{ctx.req.domain}"] if ctx.req.domain else ["https://example.com"],
            )
        )
    bp.add(
        ResourceSpec(
            "aws_apigatewayv2_api",
            "main",
            "compute",
            f"The {kind} API in front of the function.",
            api_body,
            block="api_gateway",
        ),
        ResourceSpec(
            "aws_apigatewayv2_integration",
            "app",
            "compute",
            "Hands each request to the function.",
            {
                "api_id": Expr("aws_apigatewayv2_api.main.id"),
                "integration_type": "AWS_PROXY",
                "integration_uri": Expr(f"aws_lambda_function.{function}.invoke_arn"),
                **({} if websocket else {"payload_format_version": "2.0"}),
            },
            block="api_gateway",
        ),
    )
    routes = ["$connect", "$disconnect", "$default"] if websocket else ["$default"]
    for route in routes:
        bp.add(
            ResourceSpec(
                "aws_apigatewayv2_route",
                route.strip("$"),
                "compute",
                f"Routes {route} to the function.",
                {
                    "api_id": Expr("aws_apigatewayv2_api.main.id"),
                    "route_key": route,
                    "target": interp("integrations/${aws_apigatewayv2_integration.app.id}"),
                    **({"authorization_type": "NONE"} if websocket else {}),
                },
                comments=(
                    "checkov:skip=CKV_AWS_309:The application authenticates callers itself; add a JWT authorizer when an identity provider exists",
                ),
                block="api_gateway",
            )
        )
    stage = api_stage("live" if websocket else "$default", "compute", "api_gateway")
    if websocket:
        stage.skip(
            "CKV2_AWS_51",
            "WebSocket clients are browsers and mobile apps, which cannot present client certificates",
        )
    bp.add(
        stage,
        ResourceSpec(
            "aws_lambda_permission",
            "api",
            "compute",
            "Allows this API, and only it, to invoke the function.",
            {
                "statement_id": "AllowApiGateway",
                "action": "lambda:InvokeFunction",
                "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                "principal": "apigateway.amazonaws.com",
                "source_arn": interp("${aws_apigatewayv2_api.main.execution_arn}/*"),
            },
            block="api_gateway",
        ),
    )
    bp.out(
        Output(
            "api_endpoint", "aws_apigatewayv2_stage.default.invoke_url", "Invoke URL of the API."
        )
    )
