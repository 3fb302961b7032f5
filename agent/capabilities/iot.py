"""AWS IoT Core: a topic rule that takes device telemetry (MQTT topic devices/+/telemetry) to what
the design has: the DynamoDB table, the Kinesis stream, the first Lambda function; errors (and,
with none of those, the telemetry itself) to an encrypted log group."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import INTEGRATION, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import role
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr, jsonencode

BLOCK = "iot"
TOPIC = "devices/+/telemetry"
TABLE = "aws_dynamodb_table.main"
STREAM = "aws_kinesis_stream.events"


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    functions = [
        r.name for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source
    ]
    function = functions[0] if functions else None
    table, stream = bp.has(TABLE), bp.has(STREAM)
    log_group(
        bp,
        "iot_rule",
        "/aws/iot/${local.name}/telemetry",
        "Telemetry the rule could not deliver"
        + ("" if table or stream or function else ", and the telemetry itself")
        + ", encrypted, with bounded retention.",
        "messaging",
        BLOCK,
    )
    role(
        bp,
        "iot_rule",
        "iot.amazonaws.com",
        "Lets the IoT rule deliver telemetry to its destinations, nothing else.",
        "messaging",
        BLOCK,
    )
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": interp("${aws_cloudwatch_log_group.iot_rule.arn}:*"),
        }
    ]
    body: dict[str, Any] = {
        "name": Expr('replace("${local.name}_telemetry", "-", "_")'),
        "description": f"Device telemetry from {TOPIC}",
        "enabled": True,
        "sql": f"SELECT *, topic(2) AS device_id, timestamp() AS received_at FROM '{TOPIC}'",
        "sql_version": "2016-03-23",
    }
    destinations: list[str] = []
    if table:
        statements.append(
            {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": Expr(f"{TABLE}.arn")}
        )
        body["dynamodbv2"] = Block(
            "dynamodbv2",
            body={
                "role_arn": Expr("aws_iam_role.iot_rule.arn"),
                "put_item": Block("put_item", body={"table_name": Expr(f"{TABLE}.name")}),
            },
        )
        destinations.append("the DynamoDB table")
    if stream:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["kinesis:PutRecord"],
                "Resource": Expr(f"{STREAM}.arn"),
            }
        )
        body["kinesis"] = Block(
            "kinesis",
            body={
                "role_arn": Expr("aws_iam_role.iot_rule.arn"),
                "stream_name": Expr(f"{STREAM}.name"),
                "partition_key": "${topic(2)}",
            },
        )
        destinations.append("the Kinesis stream (one partition per device)")
    if function is not None:
        body["lambda"] = Block(
            "lambda", body={"function_arn": Expr(f"aws_lambda_function.{function}.arn")}
        )
        destinations.append(f"the {function} function")
    if not destinations:
        body["cloudwatch_logs"] = Block(
            "cloudwatch_logs",
            body={
                "log_group_name": Expr("aws_cloudwatch_log_group.iot_rule.name"),
                "role_arn": Expr("aws_iam_role.iot_rule.arn"),
            },
        )
        destinations.append("an encrypted log group")
    if table or stream:
        # Kinesis and DynamoDB are encrypted with the project key: the rule's role encrypts with it.
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            }
        )
    body["error_action"] = Block(
        "error_action",
        body={
            "cloudwatch_logs": Block(
                "cloudwatch_logs",
                body={
                    "log_group_name": Expr("aws_cloudwatch_log_group.iot_rule.name"),
                    "role_arn": Expr("aws_iam_role.iot_rule.arn"),
                },
            )
        },
    )
    body["tags"] = tags("telemetry")
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            "iot_rule",
            "messaging",
            "The IoT rule's permissions: write to its destinations and its error log, each scoped.",
            {
                "name": "deliver-telemetry",
                "role": Expr("aws_iam_role.iot_rule.id"),
                "policy": jsonencode({"Version": "2012-10-17", "Statement": statements}),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iot_topic_rule",
            "telemetry",
            "messaging",
            f"Routes device telemetry published to {TOPIC} to {', '.join(destinations)}; "
            "failed deliveries are logged.",
            body,
            block=BLOCK,
        ),
    )
    if function is not None:
        bp.add(
            ResourceSpec(
                "aws_lambda_permission",
                f"iot_{function}",
                "compute",
                f"Allows the telemetry rule, and only it, to invoke the {function} function.",
                {
                    "statement_id": "AllowIotRule",
                    "action": "lambda:InvokeFunction",
                    "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                    "principal": "iot.amazonaws.com",
                    "source_arn": Expr("aws_iot_topic_rule.telemetry.arn"),
                    "source_account": Expr("data.aws_caller_identity.current.account_id"),
                },
                block=BLOCK,
            )
        )
    bp.out(
        Output(
            "iot_topic_rule", "aws_iot_topic_rule.telemetry.name", "Name of the IoT telemetry rule."
        )
    )


CAPABILITY = Capability(
    key="iot",
    summary="An AWS IoT Core topic rule for device telemetry.",
    concepts=("service.iot",),
    probes=(Probe("aws_iot_topic_rule"),),
    category="messaging",
    build=build,
    phase=INTEGRATION,
    scanner_types=("aws_iot_topic_rule",),
)
