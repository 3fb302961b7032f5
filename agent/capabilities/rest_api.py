"""API Gateway REST API: a regional API with a {proxy+} resource, handing every request to the
design's first Lambda function (Lambda proxy), else to its load balancer, else a mock.

Deployed to a stage named after the environment: access logs to a KMS-encrypted log group, X-Ray
tracing, throttling and execution-error logging through method settings. When the core pass built
an HTTP API for the same function, the REST API replaces it (one front door, the one asked for).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    policy_document,
    tags,
)
from autcloud.agent.catalog.compute import role, security_group
from autcloud.agent.catalog.edge import add_waf
from autcloud.agent.catalog.network import add_network
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.patterns import patterns

PATTERNS = patterns("rest_api")

BLOCK = "rest_api"
API = "aws_api_gateway_rest_api.main"
OPEN_METHOD_SKIP = (
    "checkov:skip=CKV_AWS_59:The application authenticates callers itself; "
    "add a Cognito or Lambda authorizer when an identity provider exists"
)
VALIDATOR_SKIP = (
    "checkov:skip=CKV2_AWS_53:A {proxy+} method passes every request through; "
    "the function validates its own input"
)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _first_group(match: re.Match[str]) -> int | None:
    value = next((g for g in match.groups() if g), None)
    return _number(value) if value else None


def _read_rate(text: str) -> Iterator[tuple[str, Any]]:
    for match in PATTERNS["rate"].finditer(text):
        around = text[max(0, match.start() - 40) : match.end() + 40]
        value = _first_group(match)
        if value and PATTERNS["throttling"].search(around):
            yield match.group(0).strip(), value


def _read_burst(text: str) -> Iterator[tuple[str, Any]]:
    for match in PATTERNS["burst"].finditer(text):
        value = _first_group(match)
        if value:
            yield match.group(0).strip(), value


def _read_endpoint_type(text: str) -> Iterator[tuple[str, Any]]:
    for match in PATTERNS["private"].finditer(text):
        yield match.group(0).strip(), "PRIVATE"
    for match in PATTERNS["edge_optimized"].finditer(text):
        yield match.group(0).strip(), "EDGE"


def _drop_http_api(bp: Blueprint) -> bool:
    """Remove the HTTP API the core pass built, so the REST API is the one front door."""
    api = bp.find("aws_apigatewayv2_api.main")
    if api is None or api.body.get("protocol_type") != "HTTP":
        return False
    removed = {r.address for r in bp.resources if r.block == "api_gateway"}
    while True:  # and whatever hangs on it (a Cognito authorizer, a WAF-less stage setting)
        more = {r.address for r in bp.resources if r.references() & removed} - removed
        if not more:
            break
        removed |= more
    bp.resources[:] = [r for r in bp.resources if r.address not in removed]
    bp.outputs[:] = [o for o in bp.outputs if o.name != "api_endpoint"]
    if not any(r.address.startswith("aws_apigatewayv2") for r in bp.resources):
        bp.variables.pop("cors_allowed_origins", None)
    return True


def _backend(bp: Blueprint) -> tuple[str, dict[str, Any], str | None]:
    """(what it is, integration body, Lambda function name or None)."""
    functions = [r for r in bp.resources if r.type == "aws_lambda_function"]
    if functions:
        name = functions[0].name
        return (
            f"the {name} function",
            {
                "type": "AWS_PROXY",
                "integration_http_method": "POST",
                "uri": Expr(f"aws_lambda_function.{name}.invoke_arn"),
            },
            name,
        )
    if bp.has("aws_lb.app") and bp.find("aws_lb.app").body.get("internal") is False:  # type: ignore[union-attr]
        return (
            "the load balancer",
            {
                "type": "HTTP_PROXY",
                "integration_http_method": "ANY",
                "uri": interp("http://${aws_lb.app.dns_name}/{proxy}"),
                "request_parameters": {
                    "integration.request.path.proxy": "method.request.path.proxy"
                },
            },
            None,
        )
    return (
        "a mock answer",
        {
            "type": "MOCK",
            "request_templates": {"application/json": jsonencode({"statusCode": 200})},
        },
        None,
    )


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    params = ctx.req.params
    endpoint_type = params.get("rest_api.endpoint_type", "REGIONAL")
    private = endpoint_type == "PRIVATE"
    if private and not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)  # a private API answers only inside a VPC
    replaced = _drop_http_api(bp)
    what, integration, function = _backend(bp)
    rate_limit = params.get("rest_api.rate_limit", 1000)
    burst_limit = params.get("rest_api.burst_limit", max(500, rate_limit // 2))
    rate = bp.var(
        Variable(
            "rest_api_throttle_rate_limit",
            "number",
            "Steady-state requests per second the REST API stage accepts.",
            rate_limit,
        )
    )
    burst = bp.var(
        Variable(
            "rest_api_throttle_burst_limit",
            "number",
            "Requests the REST API stage accepts in a burst.",
            burst_limit,
        )
    )
    usage_plan = bool(params.get("rest_api.usage_plan"))
    log_group(
        bp,
        "rest_api",
        "/aws/apigateway/${local.name}-rest",
        "The REST API's access logs, encrypted, with bounded retention.",
        "compute",
        BLOCK,
    )
    role(
        bp,
        "apigateway_cloudwatch",
        "apigateway.amazonaws.com",
        "Lets API Gateway write its logs to CloudWatch (an account-wide setting of the region).",
        "compute",
        BLOCK,
        ("service-role/AmazonAPIGatewayPushToCloudWatchLogs",),
    )
    bp.add(
        ResourceSpec(
            "aws_api_gateway_account",
            "main",
            "compute",
            "Gives API Gateway in this region the role it logs with.",
            {"cloudwatch_role_arn": Expr("aws_iam_role.apigateway_cloudwatch.arn")},
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_rest_api",
            "main",
            "compute",
            f"The {endpoint_type.lower()} REST API in front of {what}.",
            {
                "name": interp("${local.name}-rest-api"),
                "description": "Every path and method goes to the application.",
                "endpoint_configuration": Block(
                    "endpoint_configuration",
                    body={
                        "types": [endpoint_type],
                        **(
                            {"vpc_endpoint_ids": [Expr("aws_vpc_endpoint.execute_api.id")]}
                            if private
                            else {}
                        ),
                    },
                ),
                "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
                "tags": tags("rest-api"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_resource",
            "proxy",
            "compute",
            "Matches every path below the root ({proxy+}).",
            {
                "rest_api_id": Expr(f"{API}.id"),
                "parent_id": Expr(f"{API}.root_resource_id"),
                "path_part": "{proxy+}",
            },
            block=BLOCK,
        ),
    )
    methods = {
        "proxy": Expr("aws_api_gateway_resource.proxy.id"),
        "root": Expr(f"{API}.root_resource_id"),
    }
    cognito = bp.has("aws_cognito_user_pool.main")
    if cognito:
        bp.add(
            ResourceSpec(
                "aws_api_gateway_authorizer",
                "cognito",
                "security",
                "Admits only callers signed in through the Cognito user pool.",
                {
                    "name": "cognito",
                    "rest_api_id": Expr(f"{API}.id"),
                    "type": "COGNITO_USER_POOLS",
                    "provider_arns": [Expr("aws_cognito_user_pool.main.arn")],
                },
                block=BLOCK,
            )
        )
    for name, resource_id in methods.items():
        method_body: dict[str, Any] = {
            "rest_api_id": Expr(f"{API}.id"),
            "resource_id": resource_id,
            "http_method": "ANY",
            **(
                {
                    "authorization": "COGNITO_USER_POOLS",
                    "authorizer_id": Expr("aws_api_gateway_authorizer.cognito.id"),
                }
                if cognito
                else {"authorization": "NONE"}
            ),
            **({"api_key_required": True} if usage_plan else {}),
        }
        body = {
            "rest_api_id": Expr(f"{API}.id"),
            "resource_id": resource_id,
            "http_method": Expr(f"aws_api_gateway_method.{name}.http_method"),
            **integration,
        }
        if name == "proxy" and integration["type"] == "HTTP_PROXY":
            method_body["request_parameters"] = {"method.request.path.proxy": True}
        if name == "root" and integration["type"] == "HTTP_PROXY":
            body = {**body, "uri": interp("http://${aws_lb.app.dns_name}/")}
            body.pop("request_parameters", None)
        bp.add(
            ResourceSpec(
                "aws_api_gateway_method",
                name,
                "compute",
                f"Accepts any HTTP method on {'every path' if name == 'proxy' else 'the root path'}.",
                method_body,
                comments=(VALIDATOR_SKIP,) if cognito else (OPEN_METHOD_SKIP, VALIDATOR_SKIP),
                block=BLOCK,
            ),
            ResourceSpec(
                "aws_api_gateway_integration",
                name,
                "compute",
                f"Hands {'each' if name == 'proxy' else 'root'} request to {what}.",
                body,
                block=BLOCK,
            ),
        )
        if integration["type"] == "MOCK":
            bp.add(
                ResourceSpec(
                    "aws_api_gateway_method_response",
                    name,
                    "compute",
                    "The mock's 200 response.",
                    {
                        "rest_api_id": Expr(f"{API}.id"),
                        "resource_id": resource_id,
                        "http_method": Expr(f"aws_api_gateway_method.{name}.http_method"),
                        "status_code": "200",
                    },
                    block=BLOCK,
                ),
                ResourceSpec(
                    "aws_api_gateway_integration_response",
                    name,
                    "compute",
                    "Maps the mock's answer to the 200 response.",
                    {
                        "rest_api_id": Expr(f"{API}.id"),
                        "resource_id": resource_id,
                        "http_method": Expr(f"aws_api_gateway_method.{name}.http_method"),
                        "status_code": Expr(f"aws_api_gateway_method_response.{name}.status_code"),
                        "depends_on": [Expr(f"aws_api_gateway_integration.{name}")],
                    },
                    block=BLOCK,
                ),
            )
    log_format = {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
    }
    stage_comments = [
        "checkov:skip=CKV_AWS_120:Responses are dynamic per caller; a stage cache would serve stale data and costs hourly",
        "checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to an HTTP backend; this one is Lambda or a public ALB",
    ]
    waf = ctx.req.has("waf") and not private
    if not waf:
        stage_comments.append(
            "checkov:skip=CKV2_AWS_29:No WAF was asked for; add 'WAF' to the request to attach one"
        )
    bp.add(
        ResourceSpec(
            "aws_api_gateway_deployment",
            "main",
            "compute",
            "A snapshot of the API, redeployed whenever its methods or integrations change.",
            {
                "rest_api_id": Expr(f"{API}.id"),
                "triggers": {
                    "redeployment": Expr(
                        "sha1(jsonencode([aws_api_gateway_resource.proxy.id, "
                        "aws_api_gateway_method.proxy.id, aws_api_gateway_integration.proxy.id, "
                        "aws_api_gateway_method.root.id, aws_api_gateway_integration.root.id]))"
                    )
                },
                "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
                "depends_on": [
                    Expr("aws_api_gateway_integration.proxy"),
                    Expr("aws_api_gateway_integration.root"),
                ],
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_stage",
            "main",
            "compute",
            "The live stage: every request logged, traced with X-Ray.",
            {
                "rest_api_id": Expr(f"{API}.id"),
                "deployment_id": Expr("aws_api_gateway_deployment.main.id"),
                "stage_name": Expr("var.environment"),
                "xray_tracing_enabled": True,
                "access_log_settings": Block(
                    "access_log_settings",
                    body={
                        "destination_arn": Expr("aws_cloudwatch_log_group.rest_api.arn"),
                        "format": jsonencode(log_format),
                    },
                ),
                "depends_on": [Expr("aws_api_gateway_account.main")],
                "tags": tags("rest-api-stage"),
            },
            comments=tuple(stage_comments),
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_method_settings",
            "all",
            "compute",
            "Throttles every method, records metrics and logs execution errors.",
            {
                "rest_api_id": Expr(f"{API}.id"),
                "stage_name": Expr("aws_api_gateway_stage.main.stage_name"),
                "method_path": "*/*",
                "settings": Block(
                    "settings",
                    body={
                        "metrics_enabled": True,
                        "logging_level": "ERROR",
                        "data_trace_enabled": False,
                        "throttling_rate_limit": rate,
                        "throttling_burst_limit": burst,
                    },
                ),
            },
            comments=(
                "checkov:skip=CKV_AWS_225:Responses are dynamic per caller; caching would serve stale data",
            ),
            block=BLOCK,
        ),
    )
    if private:
        _private_access(bp)
    if usage_plan:
        _usage_plan(bp, rate, burst)
    if waf and not any(r.type == "aws_wafv2_web_acl" and r.name == "api" for r in bp.resources):
        add_waf(
            bp, "REGIONAL", protects="aws_api_gateway_stage.main", name="api", what="the API stage"
        )
    if function is not None:
        bp.add(
            ResourceSpec(
                "aws_lambda_permission",
                "rest_api",
                "compute",
                "Allows this REST API, and only it, to invoke the function.",
                {
                    "statement_id": "AllowRestApiGateway",
                    "action": "lambda:InvokeFunction",
                    "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                    "principal": "apigateway.amazonaws.com",
                    "source_arn": interp(f"${{{API}.execution_arn}}/*/*"),
                },
                block=BLOCK,
            )
        )
    bp.out(
        Output(
            "rest_api_url", "aws_api_gateway_stage.main.invoke_url", "Invoke URL of the REST API."
        )
    )
    if replaced:
        bp.notes.append("REST API: it replaces the HTTP API, so the function has one front door.")
    if integration["type"] == "MOCK":
        bp.notes.append(
            "REST API: the design has no function or public load balancer, so it answers with a mock until one is wired."
        )
    if ctx.req.private and not private:
        bp.notes.append(
            "REST API: it stays REGIONAL; say 'private REST API' for one reachable only through an execute-api VPC endpoint."
        )
    if private and ctx.req.has("waf"):
        bp.notes.append(
            "REST API: a private API is reachable only inside the VPC; WAF cannot be associated with it."
        )


def _private_access(bp: Blueprint) -> None:
    """The execute-api interface endpoint the private API answers through, and the resource policy
    that admits only calls arriving through it."""
    security_group(
        bp,
        "execute_api_endpoint",
        "execute-api interface endpoint",
        "The API endpoint's firewall: HTTPS from inside the VPC only.",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_vpc_security_group_ingress_rule",
            "execute_api_endpoint_https",
            "security",
            "HTTPS to the private API from inside the VPC only.",
            {
                "security_group_id": Expr("aws_security_group.execute_api_endpoint.id"),
                "description": "HTTPS from inside the VPC",
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": Expr("aws_vpc.main.cidr_block"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_vpc_endpoint",
            "execute_api",
            "network",
            "Interface endpoint: the private REST API is reached only through it, from inside the VPC.",
            {
                "vpc_id": Expr("aws_vpc.main.id"),
                "service_name": interp("com.amazonaws.${var.region}.execute-api"),
                "vpc_endpoint_type": "Interface",
                "subnet_ids": Expr("aws_subnet.private[*].id"),
                "security_group_ids": [Expr("aws_security_group.execute_api_endpoint.id")],
                "private_dns_enabled": True,
                "tags": tags("execute-api-endpoint"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_rest_api_policy",
            "main",
            "security",
            "Admits calls only when they arrive through the VPC's execute-api endpoint.",
            {
                "rest_api_id": Expr(f"{API}.id"),
                "policy": policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "execute-api:Invoke",
                            "Resource": interp(f"${{{API}.execution_arn}}/*"),
                        },
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "execute-api:Invoke",
                            "Resource": interp(f"${{{API}.execution_arn}}/*"),
                            "Condition": {
                                "StringNotEquals": {
                                    "aws:SourceVpce": Expr("aws_vpc_endpoint.execute_api.id")
                                }
                            },
                        },
                    ]
                ),
            },
            block=BLOCK,
        ),
    )


def _usage_plan(bp: Blueprint, rate: Expr, burst: Expr) -> None:
    """An API key for each partner and the usage plan that throttles every key."""
    bp.add(
        ResourceSpec(
            "aws_api_gateway_api_key",
            "main",
            "security",
            "The API key callers present (x-api-key); hand one out per partner.",
            {"name": interp("${local.name}-key"), "enabled": True, "tags": tags("api-key")},
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_usage_plan",
            "main",
            "compute",
            "Throttles each API key on the live stage.",
            {
                "name": interp("${local.name}-usage-plan"),
                "api_stages": Block(
                    "api_stages",
                    body={
                        "api_id": Expr(f"{API}.id"),
                        "stage": Expr("aws_api_gateway_stage.main.stage_name"),
                    },
                ),
                "throttle_settings": Block(
                    "throttle_settings", body={"rate_limit": rate, "burst_limit": burst}
                ),
                "tags": tags("usage-plan"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_api_gateway_usage_plan_key",
            "main",
            "compute",
            "Puts the API key on the usage plan.",
            {
                "key_id": Expr("aws_api_gateway_api_key.main.id"),
                "key_type": "API_KEY",
                "usage_plan_id": Expr("aws_api_gateway_usage_plan.main.id"),
            },
            block=BLOCK,
        ),
    )


CAPABILITY = declare(
    "rest_api",
    build=build,
    readers={
        "rest_api.endpoint_type": only_about(PATTERNS["about_api_gateway"], _read_endpoint_type),
        "rest_api.rate_limit": only_about(PATTERNS["about_api_gateway"], _read_rate),
        "rest_api.burst_limit": only_about(PATTERNS["about_api_gateway"], _read_burst),
        "rest_api.usage_plan": only_about(
            PATTERNS["about_api_gateway"],
            reader(PATTERNS["usage_plan"], lambda m: True),
        ),
    },
)
