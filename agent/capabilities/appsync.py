"""AWS AppSync: a GraphQL API with a minimal schema, resolved against the design's DynamoDB table
(else its first Lambda function, else a local echo).

Callers sign in through the design's Cognito user pool when it has one, else with IAM (SigV4).
Resolver errors are logged to an encrypted CloudWatch log group through a role of their own;
requests are traced with X-Ray.
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
    interp,
    tags,
)
from autcloud.agent.catalog.compute import role, role_policy
from autcloud.agent.hcl import Block, Expr

BLOCK = "appsync"
API = "aws_appsync_graphql_api.main"
SCHEMA = """type Item {
  pk: String!
  sk: String!
  data: AWSJSON
}

type Query {
  getItem(pk: String!, sk: String!): Item
}

schema {
  query: Query
}
"""
GET_ITEM = (
    '{"version": "2018-05-29", "operation": "GetItem", "key": {'
    '"pk": $util.dynamodb.toDynamoDBJson($ctx.args.pk), '
    '"sk": $util.dynamodb.toDynamoDBJson($ctx.args.sk)}}'
)
ECHO = '{"version": "2018-05-29", "payload": $util.toJson($ctx.args)}'
RESULT = "$util.toJson($ctx.result)"


def _data_source(
    bp: Blueprint,
) -> tuple[str, dict[str, Any], list[dict[str, Any]], dict[str, Any], str]:
    """(type, config, role statements, resolver templates, what it is)."""
    if bp.has("aws_dynamodb_table.main"):
        return (
            "AMAZON_DYNAMODB",
            {
                "dynamodb_config": Block(
                    "dynamodb_config",
                    body={
                        "table_name": Expr("aws_dynamodb_table.main.name"),
                        "region": Expr("var.region"),
                    },
                )
            },
            [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                    "Resource": Expr("aws_dynamodb_table.main.arn"),
                },
                {
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": Expr("aws_kms_key.main.arn"),
                },
            ],
            {"request_template": GET_ITEM, "response_template": RESULT},
            "the DynamoDB table",
        )
    functions = [r for r in bp.resources if r.type == "aws_lambda_function"]
    if functions:
        name = functions[0].name
        return (
            "AWS_LAMBDA",
            {
                "lambda_config": Block(
                    "lambda_config",
                    body={"function_arn": Expr(f"aws_lambda_function.{name}.arn")},
                )
            },
            [
                {
                    "Effect": "Allow",
                    "Action": ["lambda:InvokeFunction"],
                    "Resource": Expr(f"aws_lambda_function.{name}.arn"),
                }
            ],
            {},  # a direct Lambda resolver: the function receives the whole context
            f"the {name} function",
        )
    return (
        "NONE",
        {},
        [],
        {"request_template": ECHO, "response_template": RESULT},
        "a local echo (no table or function in the design yet)",
    )


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    schema = bp.var(
        Variable("appsync_schema", "string", "GraphQL schema of the AppSync API.", SCHEMA)
    )
    cognito = bp.has("aws_cognito_user_pool.main")
    role(
        bp,
        "appsync_logs",
        "appsync.amazonaws.com",
        "Lets AppSync write its resolver logs to CloudWatch.",
        "compute",
        BLOCK,
        ("service-role/AWSAppSyncPushToCloudWatchLogs",),
    )
    api: dict[str, Any] = {
        "name": interp("${local.name}-graphql"),
        "authentication_type": "AMAZON_COGNITO_USER_POOLS" if cognito else "AWS_IAM",
        "schema": schema,
        "xray_enabled": True,
        "log_config": Block(
            "log_config",
            body={
                "cloudwatch_logs_role_arn": Expr("aws_iam_role.appsync_logs.arn"),
                "field_log_level": "ERROR",
                "exclude_verbose_content": True,
            },
        ),
        "tags": tags("graphql"),
    }
    if cognito:
        api["user_pool_config"] = Block(
            "user_pool_config",
            body={
                "user_pool_id": Expr("aws_cognito_user_pool.main.id"),
                "aws_region": Expr("var.region"),
                "default_action": "ALLOW",
            },
        )
    comments: tuple[str, ...] = ()
    if not bp.has("aws_wafv2_web_acl.main"):
        comments = (
            "checkov:skip=CKV2_AWS_33:No WAF was asked for; add 'WAF' to the request to attach one",
        )
    bp.add(
        ResourceSpec(
            "aws_appsync_graphql_api",
            "main",
            "compute",
            "The GraphQL API: "
            + (
                "callers sign in with the Cognito user pool"
                if cognito
                else "callers sign requests with IAM"
            )
            + ", errors logged, traced with X-Ray.",
            api,
            comments=comments,
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_cloudwatch_log_group",
            "appsync",
            "compute",
            "The GraphQL API's logs, encrypted, with bounded retention.",
            {
                "name": interp(f"/aws/appsync/apis/${{{API}.id}}"),
                "retention_in_days": Expr("var.log_retention_days"),
                "kms_key_id": Expr("aws_kms_key.main.arn"),
            },
            block=BLOCK,
        ),
    )
    kind, config, statements, templates, what = _data_source(bp)
    source_body: dict[str, Any] = {
        "api_id": Expr(f"{API}.id"),
        "name": "main",
        "type": kind,
        **config,
    }
    if statements:
        role(
            bp,
            "appsync_data",
            "appsync.amazonaws.com",
            f"Lets AppSync read {what}, nothing else.",
            "compute",
            BLOCK,
        )
        role_policy(
            bp,
            "appsync_data",
            "read-data-source",
            statements,
            f"AppSync's only data permission: {what}.",
            "compute",
            BLOCK,
        )
        source_body["service_role_arn"] = Expr("aws_iam_role.appsync_data.arn")
    bp.add(
        ResourceSpec(
            "aws_appsync_datasource",
            "main",
            "compute",
            f"Connects the GraphQL API to {what}.",
            source_body,
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_appsync_resolver",
            "get_item",
            "compute",
            f"Resolves Query.getItem from {what}.",
            {
                "api_id": Expr(f"{API}.id"),
                "type": "Query",
                "field": "getItem",
                "data_source": Expr("aws_appsync_datasource.main.name"),
                **templates,
            },
            block=BLOCK,
        ),
    )
    bp.out(
        Output(
            "graphql_endpoint",
            f'{API}.uris["GRAPHQL"]',
            "GraphQL endpoint of the AppSync API.",
        )
    )
    if not cognito:
        bp.notes.append(
            "AppSync: callers sign requests with IAM; add a Cognito user pool to let app users sign in."
        )


CAPABILITY = declare("appsync", build=build)
