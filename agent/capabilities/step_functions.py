"""AWS Step Functions: a STANDARD state machine that chains Lambda functions in order.

The steps are the ones named ("steps validate, charge, ship", "validate, charge and ship
functions", "검증, 결제, 배송 단계"), each a Lambda function of its own; without named steps, the
design's Lambda functions in the order they were built; with neither, one "process" function.
Each step is a Task state retried on transient Lambda errors; the execution history is logged to
an encrypted log group and traced with X-Ray.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from autcloud.agent.capabilities._event_wiring import lambda_names
from autcloud.agent.capabilities._names import name_reader
from autcloud.agent.capabilities.base import Parameter, declare, only_about, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    ResourceSpec,
    interp,
    policy_document,
    tags,
)
from autcloud.agent.catalog.compute import add_lambda, role, role_policy
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.ledger import Evidence, instances
from autcloud.agent.lexicon import lexicon
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("step_functions")

KEY = "sfn.steps"
ATTEMPTS_KEY = "sfn.max_attempts"
ON_FAILURE_KEY = "sfn.on_failure"
NAME_KEY = "sfn.name"


def _attempts(match: re.Match[str]) -> int | None:
    number = next((int(g) for g in match.groups() if g is not None), 0)
    return number if 0 <= number <= 10 else None


# Retries and a failure topic are the workflow's only in a message about a workflow.
read_attempts = only_about(PATTERNS["workflow"], reader(PATTERNS["attempts"], _attempts))
read_on_failure = only_about(PATTERNS["workflow"], reader(PATTERNS["on_failure"], lambda m: "sns"))


_read_name = name_reader(PATTERNS.fragment("workflow_noun"), PATTERNS.fragment("workflow_noun_ko"))


def read_name(text: str) -> Iterator[tuple[str, Any]]:
    for quote, name in _read_name(text):
        if re.fullmatch(r"[A-Za-z0-9_-]{1,80}", str(name)):
            yield quote, name


@dataclass(frozen=True)
class DefinitionParameter(Parameter):
    """A value inside the state machine's definition (jsonencode({...}) as rendered)."""

    pattern: str = ""
    tag: str = ""  # the same value as a tag (a planned definition is opaque until rendered)

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        wanted = re.compile(self.pattern.format(value=re.escape(str(value))), re.I)
        for address, body in instances(module, self.type):
            if wanted.search(str(body.get("definition", ""))):
                return [
                    Evidence(address=address, attribute="definition", op="contains", value=value)
                ]
            tags_ = body.get("tags")
            if (
                isinstance(tags_, dict)
                and str(tags_.get(self.tag, "")).lower() == str(value).lower()
            ):
                return [
                    Evidence(address=address, attribute=f"tags.{self.tag}", op="==", value=value)
                ]
        return []


BLOCK = "step_functions"
DEFAULT_STEPS = ("process",)
SEPARATOR = " / "  # tag values allow letters, spaces and _ . : / = + - @
MAX_STEPS = 10

# Korean step names → the English identifiers functions are named with.
KOREAN_STEPS = {
    "검증": "validate",
    "검사": "validate",
    "확인": "check",
    "주문": "order",
    "접수": "receive",
    "결제": "charge",
    "청구": "bill",
    "재고": "inventory",
    "예약": "reserve",
    "배송": "ship",
    "출고": "dispatch",
    "발송": "send",
    "알림": "notify",
    "통지": "notify",
    "환불": "refund",
    "취소": "cancel",
    "승인": "approve",
    "처리": "process",
    "저장": "store",
    "변환": "transform",
    "수집": "ingest",
    "정제": "clean",
    "분석": "analyze",
    "집계": "aggregate",
    "정산": "settle",
    "리포트": "report",
    "보고서": "report",
    "완료": "complete",
    "보강": "enrich",
    "추출": "extract",
    "적재": "load",
    "필터": "filter",
    "검토": "review",
    "검수": "verify",
    "지급": "payout",
    "지급요청": "payout",
    "배포": "deploy",
    "생성": "create",
    "조회": "lookup",
}

_STOP = {
    "and", "then", "the", "a", "an", "with", "step", "steps", "fail", "fails", "failed",
    "succeeds", "succeed",
}  # fmt: skip


@cache
def _technology_words() -> frozenset[str]:
    """Words that name AWS services or technologies: "redis and lambda functions" are not steps."""
    lex = lexicon()
    groups = ("workload", "engine", "feature", "service", "database", "unsupported")
    words: set[str] = set()
    for group in groups:
        for english, korean in lex.table(group).values():
            words.update(english)
            words.update(korean)
    return frozenset(words)


def _identifier(word: str, position: int) -> tuple[str, bool] | None:
    """(identifier, known) for one step word; None when it cannot be a step."""
    word = word.strip().lower()
    for korean, english in KOREAN_STEPS.items():
        if word.startswith(korean):  # a particle may follow: "배송을"
            return english, True
    if word in _STOP or word in _technology_words():
        return None
    name = re.sub(r"[^a-z0-9]+", "_", word).strip("_")
    if not name:  # a Korean word outside the table
        return f"step_{position + 1}", False
    if not name[0].isalpha():
        return None
    return name[:30], True


_TOKEN = {
    False: re.compile(PATTERNS.fragment("word")),
    True: re.compile(PATTERNS.fragment("hangul_word")),
}
_JOINERS = {"and", "then", "그리고", "다음"}


def _names(listed: str, korean: bool, *, open_ended: bool) -> tuple[list[str], int] | None:
    """The step identifiers of a list, and how much of the list they cover.

    An open-ended list (after "steps ...") stops before the first word that cannot be a step
    ("steps a, b and c, an EventBridge bus"); a closed one ("a, b and c functions") must be all steps.
    """
    names: list[str] = []
    known, covered = 0, 0
    tokens = [m for m in _TOKEN[korean].finditer(listed) if m.group(0).lower() not in _JOINERS]
    for position, token in enumerate(tokens):
        found = _identifier(token.group(0), position)
        if found is None:
            if open_ended:
                break
            return None
        name, is_known = found
        known += is_known
        covered = token.end()
        if name not in names:
            names.append(name)
    if len(names) < 2 or not known:
        return None
    return names[:MAX_STEPS], covered


def read(text: str) -> Iterator[tuple[str, str]]:
    """The named steps as "a / b / c" (English identifiers, in order: a tag value may hold it)."""
    # "집계 람다 → 검수 람다 → 지급요청 람다": the noun after each step, once at the end
    text = PATTERNS["step_noun"].sub(r"\1", text)
    # A list after "steps"/"단계는" is open-ended; one before "functions"/"단계" is closed.
    after_steps, *before_nouns = PATTERNS.each("en_steps")
    before_noun, after_noun = PATTERNS.each("ko_steps")
    korean = [(before_noun, True, False), (after_noun, True, True)]
    if PATTERNS["ko_context"].search(text):
        korean.append((PATTERNS["ko_bare"], True, True))
    candidates = [
        (after_steps, False, True),
        *((pattern, False, False) for pattern in before_nouns),
        *korean,
    ]
    for pattern, is_korean, open_ended in candidates:
        for match in pattern.finditer(text):
            found = _names(match.group(1), is_korean, open_ended=open_ended)
            if found is None:
                continue
            names, covered = found
            end = match.start(1) + covered if open_ended else match.end()
            yield text[match.start() : end].strip(), SEPARATOR.join(names)
            return


def _steps(bp: Blueprint, ctx: Context) -> list[str]:
    stated = ctx.req.params.get(KEY)
    if not (isinstance(stated, str) and stated.strip()):
        return lambda_names(bp) or list(DEFAULT_STEPS)
    steps: list[str] = []
    for step in (s.strip() for s in stated.split(SEPARATOR.strip()) if s.strip()):
        # A new function's companions ({step}_dlq, ...) must not meet the design's own names.
        if not bp.has(f"aws_lambda_function.{step}") and bp.has(f"aws_sqs_queue.{step}_dlq"):
            step = f"{step}_step"
        steps.append(step)
    return steps


def _ensure_functions(bp: Blueprint, ctx: Context, steps: list[str]) -> None:
    missing = [s for s in steps if not bp.has(f"aws_lambda_function.{s}")]
    if not missing:
        return
    in_vpc = bp.has("aws_security_group.lambda")  # beside the design's other functions
    for index, step in enumerate(steps):
        if step in missing:
            add_lambda(
                bp,
                ctx,
                step,
                f"Step {index + 1} of {len(steps)} of the workflow: {step}.",
                {},
                [],
                in_vpc=in_vpc,
            )


_RETRY = [
    {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
            "States.Timeout",
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 3,
        "BackoffRate": 2,
    }
]


def _retry(attempts: int | None) -> list[dict[str, Any]]:
    if attempts is None:
        return _RETRY
    return [{**_RETRY[0], "ErrorEquals": ["States.ALL"], "MaxAttempts": attempts}]


def _definition(
    steps: list[str], attempts: int | None = None, alert_topic: str | None = None
) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for index, step in enumerate(steps):
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": Expr(f"aws_lambda_function.{step}.arn"),
                "Payload.$": "$",
            },
            "OutputPath": "$.Payload",
            "TimeoutSeconds": 60,
            "Retry": _retry(attempts),
        }
        if alert_topic is not None:
            state["Catch"] = [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}
            ]
        if index + 1 < len(steps):
            state["Next"] = steps[index + 1]
        else:
            state["End"] = True
        states[step] = state
    if alert_topic is not None:
        states["NotifyFailure"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": Expr(f"{alert_topic}.arn"),
                "Subject": "Workflow step failed",
                "Message.$": "$.error",
            },
            "Next": "Failed",
        }
        states["Failed"] = {"Type": "Fail", "Error": "StepFailed", "Cause": "A step failed."}
    return {
        "Comment": f"{' → '.join(steps)}: one Task state per step, in order, each retried.",
        "StartAt": steps[0],
        "States": states,
    }


def _alert_topic(bp: Blueprint, ctx: Context) -> str | None:
    if ctx.req.params.get(ON_FAILURE_KEY) != "sns":
        return None
    for address in ("aws_sns_topic.alerts", "aws_sns_topic.events"):
        if bp.has(address):
            return address
    return None


def _schedule_workflow(bp: Blueprint) -> None:
    """A schedule that would invoke the job function starts the workflow instead."""
    schedule = bp.find("aws_scheduler_schedule.job")
    policy = bp.find("aws_iam_role_policy.scheduler")
    if schedule is None or policy is None:
        return
    target = schedule.body.get("target")
    if not isinstance(target, Block) or "aws_lambda_function" not in str(target.body.get("arn")):
        return
    target.body["arn"] = Expr("aws_sfn_state_machine.workflow.arn")
    policy.body["policy"] = policy_document(
        [
            {
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": Expr("aws_sfn_state_machine.workflow.arn"),
            }
        ]
    )
    schedule.reason = "Starts the workflow on schedule, retrying twice before giving up."
    policy.reason = "The scheduler's only permission: start the workflow."


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    steps = _steps(bp, ctx)
    attempts = ctx.req.params.get(ATTEMPTS_KEY)
    topic = _alert_topic(bp, ctx)
    _ensure_functions(bp, ctx, steps)
    log_group(
        bp,
        "state_machine",
        "/aws/vendedlogs/states/${local.name}-workflow",
        "The workflow's execution history, encrypted, with bounded retention.",
        "compute",
        BLOCK,
    )
    role(
        bp,
        "state_machine",
        "states.amazonaws.com",
        "The workflow's identity: invokes its step functions and writes its logs and traces.",
        "compute",
        BLOCK,
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "InvokeTheSteps",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": [Expr(f"aws_lambda_function.{step}.arn") for step in steps],
        },
        *(
            [
                {
                    "Sid": "PublishFailures",
                    "Effect": "Allow",
                    "Action": "sns:Publish",
                    "Resource": Expr(f"{topic}.arn"),
                },
                {
                    "Sid": "UseTheTopicKey",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                    "Resource": Expr("aws_kms_key.main.arn"),
                },
            ]
            if topic is not None
            else []
        ),
        {
            # Log delivery and X-Ray calls take no resource-level permissions.
            "Sid": "DeliverLogsAndTraces",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
            ],
            "Resource": "*",
        },
    ]
    name = ctx.req.params.get(NAME_KEY)
    extra_tags: dict[str, str] = {}
    if isinstance(attempts, int):
        extra_tags["MaxAttempts"] = str(attempts)
    if topic is not None:
        extra_tags["OnFailure"] = "sns"
    role_policy(
        bp,
        "state_machine",
        "invoke-steps",
        statements,
        f"The workflow may invoke exactly its {len(steps)} step function(s), nothing else.",
        "compute",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_sfn_state_machine",
            "workflow",
            "compute",
            f"Runs {' → '.join(steps)} in order (STANDARD, exactly-once), retrying each step on "
            "transient errors; every execution logged and traced.",
            {
                "name": name if isinstance(name, str) else interp("${local.name}-workflow"),
                "type": "STANDARD",
                "role_arn": Expr("aws_iam_role.state_machine.arn"),
                "definition": jsonencode(
                    _definition(steps, attempts if isinstance(attempts, int) else None, topic)
                ),
                "logging_configuration": Block(
                    "logging_configuration",
                    body={
                        "log_destination": interp(
                            "${aws_cloudwatch_log_group.state_machine.arn}:*"
                        ),
                        "include_execution_data": True,
                        "level": "ALL",
                    },
                ),
                "tracing_configuration": Block("tracing_configuration", body={"enabled": True}),
                "depends_on": [Expr("aws_iam_role_policy.state_machine")],
                "tags": tags("workflow", Steps=SEPARATOR.join(steps), **extra_tags),
            },
            block=BLOCK,
        ),
    )
    _schedule_workflow(bp)


CAPABILITY = declare(
    "step_functions",
    build=build,
    readers={
        KEY: read,
        ATTEMPTS_KEY: read_attempts,
        ON_FAILURE_KEY: read_on_failure,
        NAME_KEY: read_name,
    },
)
