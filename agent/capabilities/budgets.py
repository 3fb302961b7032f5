"""AWS Budgets: a monthly cost budget that warns at 80% of actual spend and 100% of forecast.

It applies whenever a budget is stated at all, not only when budget alerts are asked for by name:
a stated budget is a number someone wants to be told about before it is passed.
"""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, Variable, interp
from autcloud.agent.catalog.security import allow_key_use, allow_topic_publish
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("budgets")

DEFAULT_LIMIT_USD = 100
ALERT_KEY = "budget.alert_usd"
read_alert = reader(
    PATTERNS["alert"],
    lambda m: next((int(g.replace(",", "")) for g in m.groups() if g), None),
)


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("budgets")
    stated = ctx.req.budget.monthly_usd if ctx.req.budget is not None else None
    amount: float | int = stated if stated is not None else DEFAULT_LIMIT_USD
    if float(amount).is_integer():
        amount = int(amount)
    limit = bp.var(
        Variable(
            "monthly_budget_usd",
            "number",
            "Monthly AWS cost budget in USD; alerts go out at 80% of actual and 100% of forecast spend."
            + ("" if stated is not None else " No budget was stated: set your own."),
            amount,
            validation=("var.monthly_budget_usd > 0", "monthly_budget_usd must be positive."),
        )
    )
    if ctx.req.alert_emails:
        subscribers: dict[str, Any] = {"subscriber_email_addresses": Expr("var.alert_emails")}
        why = "e-mails the alert addresses"
    else:
        subscribers = {"subscriber_sns_topic_arns": [Expr("aws_sns_topic.alerts.arn")]}
        why = "publishes to the alarm topic"
        _let_budgets_publish(bp)
    notifications = [
        Block(
            "notification",
            body={
                "comparison_operator": "GREATER_THAN",
                "threshold": 80,
                "threshold_type": "PERCENTAGE",
                "notification_type": "ACTUAL",
                **subscribers,
            },
        ),
        Block(
            "notification",
            body={
                "comparison_operator": "GREATER_THAN",
                "threshold": 100,
                "threshold_type": "PERCENTAGE",
                "notification_type": "FORECASTED",
                **subscribers,
            },
        ),
    ]
    alert = ctx.req.params.get(ALERT_KEY)
    if isinstance(alert, int) and alert > 0:
        notifications.insert(
            0,
            Block(
                "notification",
                body={
                    "comparison_operator": "GREATER_THAN",
                    "threshold": alert,
                    "threshold_type": "ABSOLUTE_VALUE",
                    "notification_type": "ACTUAL",
                    **subscribers,
                },
            ),
        )
        why += f" at ${alert:,} actual spend (as asked),"
    bp.add(
        ResourceSpec(
            "aws_budgets_budget",
            "monthly",
            "observability",
            f"Monthly cost budget of ${amount:,}: {why} at 80% actual and 100% forecast spend.",
            {
                "name": interp("${local.name}-monthly-cost"),
                "budget_type": "COST",
                "time_unit": "MONTHLY",
                "limit_amount": limit,
                "limit_unit": "USD",
                "notification": notifications,
            },
            block="budgets",
        )
    )


def _let_budgets_publish(bp: Blueprint) -> None:
    """AWS Budgets may publish to the encrypted alarm topic: a topic policy and a key grant."""
    allow_key_use(bp, "budgets.amazonaws.com")
    budgets = interp("arn:aws:budgets::${data.aws_caller_identity.current.account_id}:budget/*")
    allow_topic_publish(bp, "alerts", "budgets.amazonaws.com", budgets, "BudgetsPublish", "budgets")


CAPABILITY = declare(
    "budgets",
    build=build,
    readers={ALERT_KEY: read_alert},
    applies=lambda req: (
        req.budget is not None or "budgets" in req.services or ALERT_KEY in req.params
    ),
)
