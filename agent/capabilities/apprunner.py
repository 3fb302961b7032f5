"""AWS App Runner: a container image served over HTTPS without servers or load balancers to run.

The request's image (or the public App Runner sample), its port, an auto scaling configuration,
encryption with the project key, an HTTP health check and X-Ray tracing (switchable). When the
design has a VPC, the service reaches it through a VPC connector and its own security group.
"""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    tags,
)
from autcloud.agent.catalog.compute import capacity, egress, ingress, role, security_group
from autcloud.agent.catalog.data import ENGINE_PORTS
from autcloud.agent.hcl import Block, Expr

BLOCK = "apprunner"
SAMPLE_IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"
SAMPLE_PORT = 8000
MAX_INSTANCES = 25  # App Runner's default per-service quota


def _short_name(suffix: str) -> Expr:
    """App Runner configuration names: 4-32 characters."""
    return Expr(f'substr("${{local.name}}-{suffix}", 0, 32)')


def _repository_type(image: str) -> str:
    return "ECR" if ".dkr.ecr." in image else "ECR_PUBLIC"


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    req = ctx.req
    existing = bp.variables.get("container_image")  # the ECS service's, when the core built one
    if existing is not None:
        image_value = str(existing.default)
        port = req.container_port
    else:
        image_value = req.container_image or SAMPLE_IMAGE
        explicit = "container_port" in req.stated or req.container_image
        port = req.container_port if explicit else SAMPLE_PORT
    repository_type = _repository_type(image_value)
    if not (image_value.startswith("public.ecr.aws/") or ".dkr.ecr." in image_value):
        bp.notes.append(
            f"App Runner pulls images from Amazon ECR only: push {image_value} to an ECR repository "
            "and set var.container_image to it."
        )
    image = bp.var(
        Variable("container_image", "string", "Container image App Runner serves.", image_value)
    )
    observability = bp.var(
        Variable(
            "apprunner_observability",
            "bool",
            "Whether App Runner traces requests with AWS X-Ray.",
            True,
        )
    )
    health_path = bp.var(
        Variable(
            "apprunner_health_check_path",
            "string",
            "HTTP path App Runner checks for health.",
            "/",
        )
    )
    minimum, _, maximum = capacity(ctx)
    role(
        bp,
        "apprunner_instance",
        "tasks.apprunner.amazonaws.com",
        "The App Runner application's own identity: no permissions until it needs some.",
        "compute",
        BLOCK,
    )
    source: dict[str, Any] = {
        "auto_deployments_enabled": False,
        "image_repository": Block(
            "image_repository",
            body={
                "image_identifier": image,
                "image_repository_type": repository_type,
                "image_configuration": Block("image_configuration", body={"port": str(port)}),
            },
        ),
    }
    if repository_type == "ECR":
        role(
            bp,
            "apprunner_access",
            "build.apprunner.amazonaws.com",
            "Lets App Runner pull the image from the private ECR repository.",
            "compute",
            BLOCK,
            ("service-role/AWSAppRunnerServicePolicyForECRAccess",),
        )
        source["authentication_configuration"] = Block(
            "authentication_configuration",
            body={"access_role_arn": Expr("aws_iam_role.apprunner_access.arn")},
        )
    bp.add(
        ResourceSpec(
            "aws_apprunner_auto_scaling_configuration_version",
            "main",
            "compute",
            f"Scales between {max(1, minimum)} and {min(maximum, MAX_INSTANCES)} instances, "
            "adding one per 100 concurrent requests.",
            {
                "auto_scaling_configuration_name": _short_name("scaling"),
                "max_concurrency": 100,
                "min_size": max(1, minimum),
                "max_size": min(maximum, MAX_INSTANCES),
                "tags": tags("apprunner-scaling"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_apprunner_observability_configuration",
            "main",
            "observability",
            "Traces requests through App Runner with AWS X-Ray.",
            {
                "observability_configuration_name": _short_name("tracing"),
                "trace_configuration": Block("trace_configuration", body={"vendor": "AWSXRAY"}),
                "tags": tags("apprunner-tracing"),
            },
            block=BLOCK,
        ),
    )
    network: dict[str, Any] = {
        "ingress_configuration": Block(
            "ingress_configuration", body={"is_publicly_accessible": not req.private}
        )
    }
    if bp.has("aws_vpc.main"):
        _vpc_connector(bp, ctx)
        network["egress_configuration"] = Block(
            "egress_configuration",
            body={
                "egress_type": "VPC",
                "vpc_connector_arn": Expr("aws_apprunner_vpc_connector.main.arn"),
            },
        )
    if req.private:
        bp.notes.append(
            "App Runner: the service is not publicly accessible; reach it through a VPC ingress "
            "connection (an apprunner.requests interface endpoint) from inside the network."
        )
    bp.add(
        ResourceSpec(
            "aws_apprunner_service",
            "main",
            "compute",
            f"Serves the container on port {port} over HTTPS, autoscaled, encrypted with the project key.",
            {
                "service_name": _short_name("app"),
                "source_configuration": Block("source_configuration", body=source),
                "instance_configuration": Block(
                    "instance_configuration",
                    body={
                        "cpu": "1024",
                        "memory": "2048",
                        "instance_role_arn": Expr("aws_iam_role.apprunner_instance.arn"),
                    },
                ),
                "auto_scaling_configuration_arn": Expr(
                    "aws_apprunner_auto_scaling_configuration_version.main.arn"
                ),
                "encryption_configuration": Block(
                    "encryption_configuration", body={"kms_key": Expr("aws_kms_key.main.arn")}
                ),
                "health_check_configuration": Block(
                    "health_check_configuration",
                    body={
                        "protocol": "HTTP",
                        "path": health_path,
                        "interval": 10,
                        "timeout": 5,
                        "healthy_threshold": 1,
                        "unhealthy_threshold": 5,
                    },
                ),
                "observability_configuration": Block(
                    "observability_configuration",
                    body={
                        "observability_enabled": observability,
                        "observability_configuration_arn": Expr(
                            f"{observability.text} ? "
                            "aws_apprunner_observability_configuration.main.arn : null"
                        ),
                    },
                ),
                "network_configuration": Block("network_configuration", body=network),
                "tags": tags("apprunner"),
            },
            block=BLOCK,
        )
    )
    bp.out(
        Output(
            "apprunner_service_url",
            '"https://${aws_apprunner_service.main.service_url}"',
            "Where the App Runner service answers.",
        )
    )


def _vpc_connector(bp: Blueprint, ctx: Context) -> None:
    security_group(
        bp,
        "apprunner",
        "App Runner VPC connector",
        "The App Runner service's firewall in the VPC: outbound only.",
        BLOCK,
    )
    egress(
        bp,
        "apprunner_https_out",
        "apprunner",
        443,
        "HTTPS out (AWS APIs, third-party APIs).",
        cidr="0.0.0.0/0",
        block=BLOCK,
    )
    ports = [ENGINE_PORTS[e] for e in ctx.req.databases if e in ENGINE_PORTS]
    reach = []
    if ports and bp.has("aws_security_group.database"):
        reach.append(("database", ports[0]))
    if bp.has("aws_security_group.cache"):
        reach.append(("cache", 6379))
    for group, port in reach:
        egress(
            bp,
            f"apprunner_to_{group}",
            "apprunner",
            port,
            f"App Runner reaches the {group}.",
            target_group=group,
            block=BLOCK,
        )
        ingress(
            bp,
            f"{group}_from_apprunner",
            group,
            port,
            f"{group.capitalize()} connections from the App Runner service only.",
            source_group="apprunner",
            block=BLOCK,
            description=f"{group.capitalize()} connections from App Runner",
        )
    bp.add(
        ResourceSpec(
            "aws_apprunner_vpc_connector",
            "main",
            "network",
            "Lets App Runner reach the private subnets (database, cache) without public addresses.",
            {
                "vpc_connector_name": _short_name("vpc"),
                "subnets": Expr("aws_subnet.private[*].id"),
                "security_groups": [Expr("aws_security_group.apprunner.id")],
                "tags": tags("apprunner-vpc"),
            },
            block=BLOCK,
        )
    )


CAPABILITY = declare("apprunner", build=build)
