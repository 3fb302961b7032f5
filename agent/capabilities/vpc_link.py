"""API Gateway HTTP API in front of an internal load balancer through a VPC link ("expose our ECS
services through an HTTP API; the ALB stays internal; connect them with a VPC link").

The load balancer the core planner built becomes internal (private subnets, reachable only from the
VPC link's security group); the HTTP API is the single public entry point: a VPC link in the
private subnets, a private integration on the load balancer's listener, a catch-all route and an
access-logged, throttled stage.
"""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import api_access_log, api_stage, egress, security_group
from autcloud.agent.hcl import Block, Expr

BLOCK = "vpc_link"
_ALB_INGRESS = ("alb_http", "alb_https", "alb_http_redirect")


def _make_alb_internal(bp: Blueprint) -> None:
    """The load balancer moves to the private subnets and admits only the VPC link."""
    alb = bp.find("aws_lb.app")
    if alb is None:
        return
    alb.body["internal"] = True
    alb.body["subnets"] = Expr("aws_subnet.private[*].id")
    alb.reason = (
        "The internal entry point, in the private subnets: only the HTTP API's VPC link reaches it."
    )
    for name in _ALB_INGRESS:
        rule = bp.find(f"aws_vpc_security_group_ingress_rule.{name}")
        if rule is None:
            continue
        rule.body.pop("cidr_ipv4", None)
        rule.body["referenced_security_group_id"] = Expr("aws_security_group.vpc_link.id")
        rule.body["description"] = "From the API Gateway VPC link only"
        rule.reason = "Only the API Gateway VPC link reaches the internal load balancer."
        rule.comments = (
            "checkov:skip=CKV_AWS_260:Only the VPC link's security group is admitted, no address range",
        )


def build(bp: Blueprint, ctx: Context) -> None:
    balancer = bp.require(
        "aws_lb.app",
        "A VPC link was asked, but this design has no load balancer to connect it to; "
        "run the services on ECS or EC2 behind an ALB to get one.",
    )
    if balancer is None:
        return
    if bp.has("aws_cloudfront_distribution.main"):
        bp.notes.append(
            "The load balancer stays public: CloudFront in front of it cannot reach an internal one."
        )
    else:
        _make_alb_internal(bp)
    bp.blocks.append(BLOCK)
    https = bp.has("aws_lb_listener.https")
    listener = "aws_lb_listener.https" if https else "aws_lb_listener.http"
    port = 443 if https else 80
    security_group(
        bp,
        "vpc_link",
        "API Gateway VPC link",
        "The VPC link's firewall: it only talks to the load balancer.",
        BLOCK,
    )
    egress(
        bp,
        "vpc_link_to_alb",
        "vpc_link",
        port,
        "The VPC link reaches the load balancer's listener only.",
        target_group="alb",
        block=BLOCK,
        description="VPC link to the load balancer",
    )
    if not bp.has("aws_apigatewayv2_api.main"):
        api_access_log(bp, "edge", BLOCK)
        bp.add(
            ResourceSpec(
                "aws_apigatewayv2_api",
                "main",
                "edge",
                "The public HTTP API: the only way in to the internal services.",
                {
                    "name": interp("${local.name}-api"),
                    "protocol_type": "HTTP",
                    "tags": tags("api"),
                },
                block=BLOCK,
            ),
            api_stage("$default", "edge", BLOCK),
        )
        bp.out(
            Output(
                "api_endpoint",
                "aws_apigatewayv2_stage.default.invoke_url",
                "Invoke URL of the API.",
            )
        )
    integration: dict[str, Any] = {
        "api_id": Expr("aws_apigatewayv2_api.main.id"),
        "description": "Private integration with the internal load balancer",
        "integration_type": "HTTP_PROXY",
        "integration_method": "ANY",
        "integration_uri": Expr(f"{listener}.arn"),
        "connection_type": "VPC_LINK",
        "connection_id": Expr("aws_apigatewayv2_vpc_link.main.id"),
        "payload_format_version": "1.0",
    }
    if https and ctx.req.domain:
        integration["tls_config"] = Block(
            "tls_config", body={"server_name_to_verify": Expr("var.domain_name")}
        )
    bp.add(
        ResourceSpec(
            "aws_apigatewayv2_vpc_link",
            "main",
            "network",
            "Lets the HTTP API reach the internal load balancer from inside the private subnets.",
            {
                "name": interp("${local.name}-vpc-link"),
                "subnet_ids": Expr("aws_subnet.private[*].id"),
                "security_group_ids": [Expr("aws_security_group.vpc_link.id")],
                "tags": tags("vpc-link"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_apigatewayv2_integration",
            "alb",
            "edge",
            "Hands each request to the internal load balancer through the VPC link.",
            integration,
            block=BLOCK,
        ),
    )
    if not any(
        r.type == "aws_apigatewayv2_route" and r.body.get("route_key") == "$default"
        for r in bp.resources
    ):
        bp.add(
            ResourceSpec(
                "aws_apigatewayv2_route",
                "alb",
                "edge",
                "Sends every path and method to the load balancer, which routes them.",
                {
                    "api_id": Expr("aws_apigatewayv2_api.main.id"),
                    "route_key": "$default",
                    "target": interp("integrations/${aws_apigatewayv2_integration.alb.id}"),
                },
                comments=(
                    "checkov:skip=CKV_AWS_309:The services authenticate callers themselves; add a JWT authorizer when an identity provider exists",
                ),
                block=BLOCK,
            )
        )


CAPABILITY = declare("vpc_link", build=build)
