"""AWS IoT Core: a topic rule that takes device telemetry (MQTT topic devices/+/telemetry) to what
the design has: the DynamoDB table, the Kinesis stream, the first Lambda function; errors (and,
with none of those, the telemetry itself) to an encrypted log group."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities._event_wiring import lambda_names
from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import role, role_policy
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("iot")

BLOCK = "iot"
TOPIC = "devices/+/telemetry"
TABLE = "aws_dynamodb_table.main"
STREAM = "aws_kinesis_stream.events"
TOPIC_KEY = "iot.topic"
CONDITION_KEY = "iot.condition"
_ROLE_ARN = Expr("aws_iam_role.iot_rule.arn")
_OPS = {
    ">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "=", "above": ">", "over": ">",
    "exceeds": ">", "exceeding": ">", "below": "<", "under": "<",
}  # fmt: skip
_FIELDS_KO = {
    "온도": "temperature", "습도": "humidity", "배터리": "battery", "압력": "pressure",
    "전압": "voltage", "진동": "vibration",
}  # fmt: skip


def read_topic(text: str) -> Iterator[tuple[str, str]]:
    """The MQTT topic filter devices publish to (a wildcard, or after "publish to")."""
    if not PATTERNS["context"].search(text):
        return
    for match in PATTERNS.each("topic")[0].finditer(text):
        if "+" in match.group(1) or "#" in match.group(1):
            yield match.group(0), match.group(1)
            return
    named = PATTERNS.each("topic")[1].search(text)
    if named:
        yield named.group(0), named.group(1)


def read_condition(text: str) -> Iterator[tuple[str, str]]:
    """A condition on the message ("whenever temperature > 80") as an IoT SQL WHERE clause."""
    if not PATTERNS["context"].search(text):
        return
    match = PATTERNS["condition_en"].search(text)
    if match:
        op = _OPS.get(re.sub(r"^is\s+", "", match.group(2).lower()))
        if op is not None:
            yield match.group(0).strip(), f"{match.group(1).lower()} {op} {match.group(3)}"
            return
    match = PATTERNS["condition_ko"].search(text)
    if match:
        word = re.sub(r"\s+", " ", match.group(3))
        op = {"넘": ">", "초과": ">", "이상": ">=", "미만": "<", "이하": "<="}.get(
            word, "<" if "낮" in word else ">"
        )
        yield match.group(0).strip(), f"{_FIELDS_KO[match.group(1)]} {op} {match.group(2)}"


def _log_action() -> Block:
    """The rule action that writes a message to the rule's log group."""
    return Block(
        "cloudwatch_logs",
        body={
            "log_group_name": Expr("aws_cloudwatch_log_group.iot_rule.name"),
            "role_arn": _ROLE_ARN,
        },
    )


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    functions = lambda_names(bp)
    function = functions[0] if functions else None
    table, stream = bp.has(TABLE), bp.has(STREAM)
    firehose = next(
        (r.address for r in bp.resources if r.type == "aws_kinesis_firehose_delivery_stream"), None
    )
    stated_topic = ctx.req.params.get(TOPIC_KEY)
    topic = stated_topic if isinstance(stated_topic, str) else TOPIC
    stated_condition = ctx.req.params.get(CONDITION_KEY)
    condition = stated_condition if isinstance(stated_condition, str) else None
    select = f"SELECT *, topic(2) AS device_id, timestamp() AS received_at FROM '{topic}'"
    # a condition on a function alongside other destinations is a rule of its own (alerts)
    alert_rule = (
        condition is not None and function is not None and bool(table or stream or firehose)
    )
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
        "description": f"Device telemetry from {topic}",
        "enabled": True,
        "sql": select if alert_rule or condition is None else f"{select} WHERE {condition}",
        "sql_version": "2016-03-23",
    }
    destinations: list[str] = []
    # The stores the rule writes each message to: (the store, the rule's action block, what the
    # role may do on the store, the action's settings, how the description names it).
    stores: tuple[tuple[str | None, str, list[str], dict[str, Any], str], ...] = (
        (
            TABLE if table else None,
            "dynamodbv2",
            ["dynamodb:PutItem"],
            {"put_item": Block("put_item", body={"table_name": Expr(f"{TABLE}.name")})},
            "the DynamoDB table",
        ),
        (
            STREAM if stream else None,
            "kinesis",
            ["kinesis:PutRecord"],
            {"stream_name": Expr(f"{STREAM}.name"), "partition_key": "${topic(2)}"},
            "the Kinesis stream (one partition per device)",
        ),
        (
            firehose,
            "firehose",
            ["firehose:PutRecord", "firehose:PutRecordBatch"],
            {"delivery_stream_name": Expr(f"{firehose}.name"), "separator": "\\n"},
            "the Firehose delivery stream (raw payloads)",
        ),
    )
    for store, action, permits, settings, says in stores:
        if store is not None:
            statements.append(
                {"Effect": "Allow", "Action": permits, "Resource": Expr(f"{store}.arn")}
            )
            body[action] = Block(action, body={"role_arn": _ROLE_ARN, **settings})
            destinations.append(says)
    if function is not None and not alert_rule:
        body["lambda"] = Block(
            "lambda", body={"function_arn": Expr(f"aws_lambda_function.{function}.arn")}
        )
        destinations.append(f"the {function} function")
    if not destinations:
        body["cloudwatch_logs"] = _log_action()
        destinations.append("an encrypted log group")
    if table or stream or firehose:
        # Kinesis and DynamoDB are encrypted with the project key: the rule's role encrypts with it.
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            }
        )
    body["error_action"] = Block("error_action", body={"cloudwatch_logs": _log_action()})
    body["tags"] = tags("telemetry")
    role_policy(
        bp,
        "iot_rule",
        "deliver-telemetry",
        statements,
        "The IoT rule's permissions: write to its destinations and its error log, each scoped.",
        "messaging",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_iot_topic_rule",
            "telemetry",
            "messaging",
            f"Routes device telemetry published to {topic} to {', '.join(destinations)}"
            + (f" when {condition}" if condition and not alert_rule else "")
            + "; failed deliveries are logged.",
            body,
            block=BLOCK,
        ),
    )
    if alert_rule and function is not None and condition is not None:
        bp.add(
            ResourceSpec(
                "aws_iot_topic_rule",
                "alerts",
                "messaging",
                f"Calls the {function} function for messages on {topic} where {condition}; "
                "failed deliveries are logged.",
                {
                    "name": Expr('replace("${local.name}_alerts", "-", "_")'),
                    "description": f"Alerts: {condition} on {topic}",
                    "enabled": True,
                    "sql": f"{select} WHERE {condition}",
                    "sql_version": "2016-03-23",
                    "lambda": Block(
                        "lambda",
                        body={"function_arn": Expr(f"aws_lambda_function.{function}.arn")},
                    ),
                    "error_action": body["error_action"],
                    "tags": tags("alerts"),
                },
                block=BLOCK,
            )
        )
    rule = "alerts" if alert_rule else "telemetry"
    if function is not None:
        bp.add(
            ResourceSpec(
                "aws_lambda_permission",
                f"iot_{function}",
                "compute",
                f"Allows the {rule} rule, and only it, to invoke the {function} function.",
                {
                    "statement_id": "AllowIotRule",
                    "action": "lambda:InvokeFunction",
                    "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                    "principal": "iot.amazonaws.com",
                    "source_arn": Expr(f"aws_iot_topic_rule.{rule}.arn"),
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


CAPABILITY = declare(
    "iot", build=build, readers={TOPIC_KEY: read_topic, CONDITION_KEY: read_condition}
)
