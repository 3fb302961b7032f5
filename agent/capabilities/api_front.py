"""An API Gateway's public face: CloudFront in front of it when asked ("with CloudFront in front",
"앞에 CloudFront 둬서"), otherwise the API's own custom domain when one is named ("custom domain
api.orbit.ai").

Designs whose front door is a load balancer get CloudFront and the domain from the core pass
(agent/planner.py); this covers designs whose front door is an HTTP, WebSocket or REST API.
CloudFront carries the domain itself (a certificate in us-east-1, the alias record); without it
the API gets a regional custom domain with a DNS-validated certificate, a mapping to its stage
and an alias record. A private REST API has no public name to give.
"""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, tags
from autcloud.agent.catalog.edge import (
    add_cdn_for_api,
    add_waf,
    alias_record,
    certificate_validation,
)
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.requirements import Requirements

HTTP_API = "aws_apigatewayv2_api.main"
REST_API = "aws_api_gateway_rest_api.main"


def _wanted(req: Requirements) -> bool:
    return bool(req.domain) or req.has("cdn")


def _fronted_by_load_balancer(bp: Blueprint) -> bool:
    return bp.has("aws_lb.app") or bp.has("aws_cloudfront_distribution.main")


def _rest_api_is_private(bp: Blueprint) -> bool:
    api = bp.find(REST_API)
    configuration = api.body.get("endpoint_configuration") if api else None
    return isinstance(configuration, Block) and configuration.body.get("types") == ["PRIVATE"]


def build(bp: Blueprint, ctx: Context) -> None:
    if _fronted_by_load_balancer(bp):
        return
    rest = bp.has(REST_API)
    if not rest and not bp.has(HTTP_API):
        return
    if rest and _rest_api_is_private(bp):
        bp.notes.append(
            "The REST API is private (reached through its VPC endpoint): no CloudFront or custom "
            "domain was put in front of it."
        )
        return
    if ctx.req.has("cdn"):
        _cloudfront(bp, ctx, rest=rest)
    elif ctx.req.domain:
        (_rest_domain if rest else _http_domain)(bp)


def _cloudfront(bp: Blueprint, ctx: Context, *, rest: bool) -> None:
    if rest:
        host = interp("${aws_api_gateway_rest_api.main.id}.execute-api.${var.region}.amazonaws.com")
        path: Expr | None = interp("/${aws_api_gateway_stage.main.stage_name}")
    else:
        host = Expr('replace(aws_apigatewayv2_api.main.api_endpoint, "https://", "")')
        path = None
    # A REST API carries its own regional web ACL on the stage (rest_api.py); an HTTP API cannot,
    # so a WAF asked for goes on CloudFront.
    web_acl = ctx.req.has("waf") and not rest
    if web_acl and not bp.has("aws_wafv2_web_acl.cdn"):
        add_waf(bp, "CLOUDFRONT")
    add_cdn_for_api(bp, ctx, host, path=path, web_acl=web_acl)
    bp.notes[:] = [n for n in bp.notes if "add CloudFront to use it" not in n]


def _certificate(bp: Blueprint) -> None:
    bp.add(
        ResourceSpec(
            "aws_acm_certificate",
            "api",
            "edge",
            "The API's certificate for its custom domain, validated through DNS.",
            {
                "domain_name": Expr("var.domain_name"),
                "validation_method": "DNS",
                "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
                "tags": tags("api-certificate"),
            },
            block="acm",
        )
    )
    certificate_validation(bp, "api")


def _api_record(bp: Blueprint, target: str, zone: str) -> None:
    alias_record(bp, "api", "Points the domain at the API's custom domain.", target, zone)


def _http_domain(bp: Blueprint) -> None:
    _certificate(bp)
    bp.add(
        ResourceSpec(
            "aws_apigatewayv2_domain_name",
            "api",
            "edge",
            "The API's custom domain, regional, TLS 1.2 only.",
            {
                "domain_name": Expr("var.domain_name"),
                "domain_name_configuration": Block(
                    "domain_name_configuration",
                    body={
                        "certificate_arn": Expr(
                            "aws_acm_certificate_validation.api.certificate_arn"
                        ),
                        "endpoint_type": "REGIONAL",
                        "security_policy": "TLS_1_2",
                    },
                ),
                "tags": tags("api-domain"),
            },
            block="http_api",
        ),
        ResourceSpec(
            "aws_apigatewayv2_api_mapping",
            "api",
            "edge",
            "Serves the API's stage at the root of the custom domain.",
            {
                "api_id": Expr(f"{HTTP_API}.id"),
                "domain_name": Expr("aws_apigatewayv2_domain_name.api.id"),
                "stage": Expr("aws_apigatewayv2_stage.default.id"),
            },
            block="http_api",
        ),
    )
    configuration = "aws_apigatewayv2_domain_name.api.domain_name_configuration[0]"
    _api_record(bp, f"{configuration}.target_domain_name", f"{configuration}.hosted_zone_id")


def _rest_domain(bp: Blueprint) -> None:
    _certificate(bp)
    bp.add(
        ResourceSpec(
            "aws_api_gateway_domain_name",
            "api",
            "edge",
            "The API's custom domain, regional, TLS 1.2 only.",
            {
                "domain_name": Expr("var.domain_name"),
                "regional_certificate_arn": Expr(
                    "aws_acm_certificate_validation.api.certificate_arn"
                ),
                "security_policy": "TLS_1_2",
                "endpoint_configuration": Block(
                    "endpoint_configuration", body={"types": ["REGIONAL"]}
                ),
                "tags": tags("api-domain"),
            },
            block="rest_api",
        ),
        ResourceSpec(
            "aws_api_gateway_base_path_mapping",
            "api",
            "edge",
            "Serves the API's stage at the root of the custom domain.",
            {
                "api_id": Expr(f"{REST_API}.id"),
                "stage_name": Expr("aws_api_gateway_stage.main.stage_name"),
                "domain_name": Expr("aws_api_gateway_domain_name.api.domain_name"),
            },
            block="rest_api",
        ),
    )
    _api_record(
        bp,
        "aws_api_gateway_domain_name.api.regional_domain_name",
        "aws_api_gateway_domain_name.api.regional_zone_id",
    )


CAPABILITY = declare("api_front", build=build, applies=_wanted)
