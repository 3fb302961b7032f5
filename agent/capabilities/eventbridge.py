"""Amazon EventBridge: a custom event bus for the application's events, an archive for replay,
and a rule that delivers them to the design's first Lambda function (or its work queue; with
neither, to an encrypted log group)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities._event_wiring import allow_queue_send, lambda_names
from autcloud.agent.capabilities._names import NamesParameter, name_reader
from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    assume_role,
    interp,
    policy_document,
    policy_statements,
    tags,
)
from autcloud.agent.catalog.security import allow_topic_publish, log_group
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.ledger import Evidence
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("eventbridge")

BLOCK = "event_bus"
NAME_KEY = "eventbridge.bus_name"
TYPES_KEY = "eventbridge.detail_types"

read_bus_name = name_reader(PATTERNS.fragment("bus"), PATTERNS.fragment("bus_ko"))


def read_detail_types(text: str) -> Iterator[tuple[str, Any]]:
    """Event detail-types a rule matches: "OrderPlaced events", "Object Created" events."""
    if not PATTERNS["eventbridge"].search(text):
        return
    found: list[tuple[int, str, str]] = []
    for pattern in PATTERNS.each("detail_types"):
        for match in pattern.finditer(text):
            name = match.group(1)
            if PATTERNS["not_types"].match(name) and " " not in name:
                continue
            found.append((match.start(1), name, match.group(0).strip()))
    if not found:
        return
    found.sort()
    names = list(dict.fromkeys(name for _, name, _ in found))
    yield (
        found[0][2],
        [{"detail_type": n, "says": _segment(text, n, names).lower().strip()} for n in names],
    )


@dataclass(frozen=True)
class DetailTypesParameter(NamesParameter):
    """Proven when a rule's event pattern carries each stated detail-type."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        items = value if isinstance(value, list) else [value]
        names = [i["detail_type"] if isinstance(i, dict) else str(i) for i in items]
        return super().find(module, names)


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
            {
                "name": ctx.req.params.get(NAME_KEY) or interp("${local.name}-events"),
                "tags": tags("event-bus"),
            },
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
    machine = _first(bp, "aws_sfn_state_machine")
    if machine is not None:
        _events_role(bp, [Expr(f"aws_sfn_state_machine.{machine}.arn")], "states:StartExecution")
        target["arn"] = Expr(f"aws_sfn_state_machine.{machine}.arn")
        target["role_arn"] = Expr("aws_iam_role.events_targets.arn")
        what = f"the {machine} state machine, starting an execution per event"
    elif function is not None:
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
                    "policy_document": policy_document(
                        [
                            {
                                "Effect": "Allow",
                                "Principal": {
                                    "Service": [
                                        "events.amazonaws.com",
                                        "delivery.logs.amazonaws.com",
                                    ]
                                },
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": interp("${aws_cloudwatch_log_group.event_bus.arn}:*"),
                            }
                        ]
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
    types = ctx.req.params.get(TYPES_KEY)
    if isinstance(types, list):
        for item in types:
            if isinstance(item, dict):
                _typed_rule(bp, str(item["detail_type"]), str(item.get("says", "")))


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()).strip("_")


def _segment(text: str, detail_type: str, others: list[str]) -> str:
    """What the request says after naming the detail-type, up to the sentence end or next type."""
    start = text.find(detail_type)
    if start < 0:
        return ""
    rest = text[start + len(detail_type) :]
    end = len(rest)
    for other in others:
        at = rest.find(other)
        if other != detail_type and 0 <= at < end:
            end = at
    stop = re.search(r"\.(?:\s|$)", rest)
    if stop and stop.start() < end:
        end = stop.start()
    return rest[:end]


def _events_role(bp: Blueprint, resources: list[Expr], action: str) -> None:
    """One role EventBridge assumes for targets that need one (state machines)."""
    policy = bp.find("aws_iam_role_policy.events_targets")
    statement = {"Effect": "Allow", "Action": action, "Resource": resources}
    if policy is not None:
        policy_statements(policy.body["policy"]).append(statement)
        return
    bp.add(
        ResourceSpec(
            "aws_iam_role",
            "events_targets",
            "messaging",
            "Lets EventBridge rules start the targets that need a role, nothing else.",
            {
                "name": interp("${local.name}-events-targets"),
                "assume_role_policy": assume_role("events.amazonaws.com"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy",
            "events_targets",
            "messaging",
            "The rules' only permissions: start their targets.",
            {
                "name": "start-targets",
                "role": Expr("aws_iam_role.events_targets.id"),
                "policy": policy_document([statement]),
            },
            block=BLOCK,
        ),
    )


def _allow_topic_publish(bp: Blueprint, topic: str, rule: str) -> None:
    sid = f"EventBridge{rule.title().replace('_', '')}"
    source = Expr(f"aws_cloudwatch_event_rule.{rule}.arn")
    allow_topic_publish(bp, topic, "events.amazonaws.com", source, sid, BLOCK)


def _typed_rule(bp: Blueprint, detail_type: str, segment: str) -> None:
    """A rule matching one detail-type, delivering to the targets the request names for it."""
    rule = f"{_snake(detail_type)}_events"
    if bp.has(f"aws_cloudwatch_event_rule.{rule}"):
        return
    from_s3 = detail_type.startswith("Object ")
    pattern: dict[str, Any] = {"detail-type": [detail_type]}
    body: dict[str, Any] = {
        "name": interp(f"${{local.name}}-{_snake(detail_type).replace('_', '-')}"),
        "event_pattern": jsonencode(pattern),
        "tags": tags(f"{_snake(detail_type)}-rule"),
    }
    if from_s3:
        pattern["source"] = ["aws.s3"]
    # One expression, so the detail-type stays readable to the ledger before rendering.
    fields = ", ".join(f'"{k}" = {json.dumps(v)}' for k, v in pattern.items())
    body["event_pattern"] = Expr(f"jsonencode({{ {fields} }})")
    if not from_s3:
        body["event_bus_name"] = Expr("aws_cloudwatch_event_bus.app.name")
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_event_rule",
            rule,
            "messaging",
            f"Matches {detail_type} events" + (" from S3." if from_s3 else " on the bus."),
            body,
            block=BLOCK,
        )
    )
    functions = lambda_names(bp)
    queue = _first(bp, "aws_sqs_queue", "_dlq")
    topic = "events" if bp.has("aws_sns_topic.events") else _first(bp, "aws_sns_topic")
    machine = _first(bp, "aws_sfn_state_machine")
    wants: dict[str, bool] = {
        "machine": machine is not None and bool(PATTERNS["target_workflow"].search(segment)),
        "queue": queue is not None and bool(PATTERNS["target_queue"].search(segment)),
        "topic": topic is not None and bool(PATTERNS["target_topic"].search(segment)),
        "function": bool(functions) and bool(PATTERNS["target_function"].search(segment)),
    }
    if not any(wants.values()):
        wants["function" if functions else "queue" if queue else "topic"] = True
    base = {"rule": Expr(f"aws_cloudwatch_event_rule.{rule}.name")}
    if not from_s3:
        base["event_bus_name"] = Expr("aws_cloudwatch_event_bus.app.name")
    source = Expr(f"aws_cloudwatch_event_rule.{rule}.arn")

    def deliver(target: str, reason: str, **more: Expr) -> None:
        """The rule's delivery to one target (its address), named after both."""
        bp.add(
            ResourceSpec(
                "aws_cloudwatch_event_target",
                f"{rule}_{target.rsplit('.', 1)[1]}",
                "messaging",
                reason,
                {**base, "arn": Expr(f"{target}.arn"), **more},
                block=BLOCK,
            )
        )

    if wants["function"] and functions:
        function = next((f for f in functions if f.replace("_", " ") in segment), functions[0])
        bp.add(
            ResourceSpec(
                "aws_lambda_permission",
                f"{rule}_{function}",
                "compute",
                f"Allows the {detail_type} rule, and only it, to invoke the {function} function.",
                {
                    "statement_id": f"AllowEventBridge{_snake(detail_type).title().replace('_', '')}",
                    "action": "lambda:InvokeFunction",
                    "function_name": Expr(f"aws_lambda_function.{function}.function_name"),
                    "principal": "events.amazonaws.com",
                    "source_arn": source,
                },
                block=BLOCK,
            )
        )
        deliver(
            f"aws_lambda_function.{function}",
            f"Delivers {detail_type} events to the {function} function.",
        )
    if wants["queue"] and queue is not None:
        allow_queue_send(
            bp,
            queue,
            "events.amazonaws.com",
            source,
            f"Allow{_snake(detail_type).title().replace('_', '')}Rule",
            BLOCK,
        )
        deliver(f"aws_sqs_queue.{queue}", f"Delivers {detail_type} events to the {queue} queue.")
    if wants["topic"] and topic is not None:
        _allow_topic_publish(bp, topic, rule)
        deliver(f"aws_sns_topic.{topic}", f"Publishes {detail_type} events to the {topic} topic.")
    if wants["machine"] and machine is not None:
        _events_role(bp, [Expr(f"aws_sfn_state_machine.{machine}.arn")], "states:StartExecution")
        deliver(
            f"aws_sfn_state_machine.{machine}",
            f"Starts the {machine} state machine on each {detail_type} event.",
            role_arn=Expr("aws_iam_role.events_targets.arn"),
        )


CAPABILITY = declare(
    "eventbridge", readers={NAME_KEY: read_bus_name, TYPES_KEY: read_detail_types}, build=build
)
