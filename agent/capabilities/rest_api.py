"""API Gateway REST API: a regional API with a {proxy+} resource, handing every request to the
design's first Lambda function (Lambda proxy), else to its load balancer, else a mock.

Deployed to a stage named after the environment: access logs to a KMS-encrypted log group, X-Ray
tracing, throttling and execution-error logging through method settings. When the core pass built
an HTTP API for the same function, the REST API replaces it (one front door, the one asked for).
"""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import EDGE, Capability, Probe
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.compute import role
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr, jsonencode

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


def _drop_http_api(bp: Blueprint) -> bool:
    """Remove the HTTP API the core pass built, so the REST API is the one front door."""
    api = bp.find("aws_apigatewayv2_api.main")
    if api is None or api.body.get("protocol_type") != "HTTP":
        return False
    bp.resources[:] = [r for r in bp.resources if r.block != "api_gateway"]
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
    replaced = _drop_http_api(bp)
    what, integration, function = _backend(bp)
    rate = bp.var(
        Variable(
            "rest_api_throttle_rate_limit",
            "number",
            "Steady-state requests per second the REST API stage accepts.",
            1000,
        )
    )
    burst = bp.var(
        Variable(
            "rest_api_throttle_burst_limit",
            "number",
            "Requests the REST API stage accepts in a burst.",
            500,
        )
    )
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
            f"The regional REST API in front of {what}.",
            {
                "name": interp("${local.name}-rest-api"),
                "description": "Every path and method goes to the application.",
                "endpoint_configuration": Block(
                    "endpoint_configuration", body={"types": ["REGIONAL"]}
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
    for name, resource_id in methods.items():
        method_body: dict[str, Any] = {
            "rest_api_id": Expr(f"{API}.id"),
            "resource_id": resource_id,
            "http_method": "ANY",
            "authorization": "NONE",
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
                comments=(OPEN_METHOD_SKIP, VALIDATOR_SKIP),
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
    if not ctx.req.has("waf"):
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
    if ctx.req.private:
        bp.notes.append(
            "REST API: it stays REGIONAL; for a private API add an execute-api VPC endpoint and a resource policy."
        )


CAPABILITY = Capability(
    key="rest_api",
    summary="An API Gateway REST API.",
    concepts=("service.rest_api",),
    probes=(Probe("aws_api_gateway_rest_api"),),
    category="edge",
    build=build,
    phase=EDGE,
    scanner_types=("aws_api_gateway_rest_api", "aws_api_gateway_stage"),
)
