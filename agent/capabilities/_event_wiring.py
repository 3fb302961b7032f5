"""Shared helpers of the event-wiring capabilities (s3_events, queue_consumers, fanout): which
Lambda function consumes, role policies, queue policies and key-policy grants, all merged so two
capabilities never declare the same resource twice. Declares no capability itself."""

from __future__ import annotations

from typing import Any

from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    ResourceSpec,
    from_source,
    gather_statement,
    policy_document,
    policy_statements,
)
from autcloud.agent.catalog.compute import add_lambda
from autcloud.agent.hcl import Expr

# An existing function is reused in this order: a dedicated processor or worker first.
CONSUMER_PREFERENCE = ("processor", "worker", "api", "job")
SQS_MAX_VISIBILITY_S = 43200


def lambda_names(bp: Blueprint) -> list[str]:
    return [r.name for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source]


def consumer_function(
    bp: Blueprint, ctx: Context, new_name: str, reason: str, env: dict[str, Expr]
) -> str:
    """The design's Lambda function that consumes events; a new one when the design has none."""
    names = lambda_names(bp)
    for name in CONSUMER_PREFERENCE:
        if name in names:
            return name
    if names:
        return names[0]
    add_lambda(bp, ctx, new_name, reason, env, [], in_vpc=False)
    return new_name


def function_timeout(bp: Blueprint, ctx: Context, function: str) -> int:
    """The function's timeout in seconds, as stated (lambda.timeout_s) or as built."""
    stated = ctx.req.params.get("lambda.timeout_s")
    if isinstance(stated, int) and 1 <= stated <= 900:
        return stated
    spec = bp.find(f"aws_lambda_function.{function}")
    value = spec.body.get("timeout") if spec else None
    return value if isinstance(value, int) else 3


def fit_visibility(bp: Blueprint, queue: str, timeout_s: int) -> None:
    """SQS event sources need the queue's visibility timeout at least the function's (AWS advises 6x)."""
    spec = bp.find(f"aws_sqs_queue.{queue}")
    if spec is None:
        return
    current = spec.body.get("visibility_timeout_seconds", 30)
    wanted = min(SQS_MAX_VISIBILITY_S, 6 * timeout_s)
    if isinstance(current, int) and current < wanted:
        spec.body["visibility_timeout_seconds"] = wanted


def role_policy(
    bp: Blueprint,
    function: str,
    purpose: str,
    reason: str,
    statements: list[dict[str, Any]],
    block: str,
) -> str:
    """An inline policy on the function's role; statements are merged if it exists already."""
    name = f"{function}_{purpose}"
    address = f"aws_iam_role_policy.{name}"
    existing = bp.find(address)
    if existing is not None:
        policy_statements(existing.body["policy"]).extend(statements)
        return address
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            name,
            "compute",
            reason,
            {
                "name": f"{function}-{purpose.replace('_', '-')}",
                "role": Expr(f"aws_iam_role.{function}_lambda.id"),
                "policy": policy_document(statements),
            },
            block=block,
        )
    )
    return address


def allow_queue_send(
    bp: Blueprint, queue: str, service: str, source_arn: Expr, sid: str, block: str
) -> None:
    """Lets one AWS service send to the queue, only on behalf of one source (aws:SourceArn).

    A queue has one policy, so every sender's statement goes into the same resource.
    """
    arn = Expr(f"aws_sqs_queue.{queue}.arn")
    statement = from_source(sid, service, "sqs:SendMessage", arn, source_arn, "ArnEquals")
    if gather_statement(bp, f"aws_sqs_queue_policy.{queue}", statement):
        return
    bp.add(
        ResourceSpec(
            "aws_sqs_queue_policy",
            queue,
            "messaging",
            "Who may send to the queue: only the named AWS sources, each by its ARN.",
            {
                "queue_url": Expr(f"aws_sqs_queue.{queue}.id"),
                "policy": policy_document([statement]),
            },
            block=block,
        )
    )


def drop_notification_skip(bp: Blueprint, bucket: str) -> None:
    """The bucket now has event notifications: its checkov skip for them no longer applies."""
    spec = bp.find(f"aws_s3_bucket.{bucket}")
    if spec is not None:
        spec.unskip("CKV2_AWS_62")
