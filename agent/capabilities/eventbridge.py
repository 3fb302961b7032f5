"""Amazon EventBridge: a custom event bus for the application's events, an archive for replay,
and a rule that delivers them to the design's first Lambda function (or its work queue; with
neither, to an encrypted log group)."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities._event_wiring import allow_queue_send
from autcloud.agent.capabilities.base import INTEGRATION, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr, jsonencode

BLOCK = "event_bus"


def _first(bp: Blueprint, rtype: str, skip_suffix: str = "") -> str | None:
    for spec in bp.resources:
        if spec.type == rtype and not spec.data_source:
            if skip_suffix and spec.name.endswith(skip_suffix):
                continue
            return spec.name
    return None


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_event_bus",
            "app",
            "messaging",
            "The application's own event bus: its events stay apart from AWS service events.",
            {"name": interp("${local.name}-events"), "tags": tags("event-bus")},
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_cloudwatch_event_archive",
            "app",
            "messaging",
            "Keeps every event on the bus for 30 days, so any of them can be replayed.",
            {
                "name": interp("${local.name}-events"),
                "event_source_arn": Expr("aws_cloudwatch_event_bus.app.arn"),
                "retention_days": 30,
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_cloudwatch_event_rule",
            "app_events",
            "messaging",
            "Matches the application's events on its bus (source starting with the project name).",
            {
                "name": interp("${local.name}-app-events"),
                "event_bus_name": Expr("aws_cloudwatch_event_bus.app.name"),
                "event_pattern": jsonencode({"source": [{"prefix": Expr("var.project")}]}),
                "tags": tags("app-events"),
            },
            block=BLOCK,
        ),
    )
    function = _first(bp, "aws_lambda_function")
    queue = _first(bp, "aws_sqs_queue", "_dlq")
    target: dict[str, Any] = {
        "rule": Expr("aws_cloudwatch_event_rule.app_events.name"),
        "event_bus_name": Expr("aws_cloudwatch_event_bus.app.name"),
    }
    if function is not None:
        target["arn"] = Expr(f"aws_lambda_function.{function}.arn")
        target["retry_policy"] = Block(
            "retry_policy", body={"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 5}
        )
        what = f"the {function} function"
        bp.add(
            ResourceSpec(
                "aws_lambda_permission",
                f"event_bus_{function}",
                "compute",
                f"Allows the bus rule, and only it, to invoke the {function} function.",
                {
                    "statement_id": "AllowEventBridge",
                    "action": "lambda:InvokeFunction",
                    "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                    "principal": "events.amazonaws.com",
                    "source_arn": Expr("aws_cloudwatch_event_rule.app_events.arn"),
                },
                block=BLOCK,
            )
        )
    elif queue is not None:
        target["arn"] = Expr(f"aws_sqs_queue.{queue}.arn")
        what = f"the {queue} queue"
        allow_queue_send(
            bp,
            queue,
            "events.amazonaws.com",
            Expr("aws_cloudwatch_event_rule.app_events.arn"),
            "AllowEventBridgeRule",
            BLOCK,
        )
    else:
        log_group(
            bp,
            "event_bus",
            "/aws/events/${local.name}-app-events",
            "Keeps the application's events, encrypted, while nothing else consumes them.",
            "messaging",
            BLOCK,
        )
        bp.add(
            ResourceSpec(
                "aws_cloudwatch_log_resource_policy",
                "event_bus",
                "messaging",
                "Lets EventBridge, for this account only, write the events to their log group.",
                {
                    "policy_name": interp("${local.name}-event-bus-logs"),
                    "policy_document": jsonencode(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {
                                        "Service": [
                                            "events.amazonaws.com",
                                            "delivery.logs.amazonaws.com",
                                        ]
                                    },
                                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Resource": interp(
                                        "${aws_cloudwatch_log_group.event_bus.arn}:*"
                                    ),
                                }
                            ],
                        }
                    ),
                },
                block=BLOCK,
            )
        )
        target["arn"] = Expr("aws_cloudwatch_log_group.event_bus.arn")
        what = "an encrypted log group (no function or queue in the design yet)"
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_event_target",
            "app_events",
            "messaging",
            f"Delivers the matched events to {what}.",
            target,
            block=BLOCK,
        )
    )
    bp.out(
        Output(
            "event_bus_name", "aws_cloudwatch_event_bus.app.name", "Name of the custom event bus."
        )
    )


CAPABILITY = Capability(
    key="eventbridge",
    summary="An Amazon EventBridge custom event bus with a rule.",
    concepts=("service.eventbridge",),
    probes=(Probe("aws_cloudwatch_event_bus"),),
    category="messaging",
    build=build,
    phase=INTEGRATION,
    scanner_types=("aws_cloudwatch_event_bus",),
)
