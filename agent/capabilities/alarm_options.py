"""Alarm settings the user states: a CPU or 5XX threshold, how many consecutive failures
raise an alarm, a p99 latency alarm on the load balancer, and an HTTPS (e.g. PagerDuty)
subscription on the alerts topic. Applied after every alarm of the design exists."""

from __future__ import annotations

import re

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp
from autcloud.agent.hcl import Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("alarm_options")


_CPU = reader(PATTERNS["cpu"], lambda m: _num(m.group(1) or m.group(2)))
_5XX = reader(PATTERNS["5xx"], lambda m: _num(m.group(1) or m.group(2)))
_CONSECUTIVE = reader(
    PATTERNS["consecutive"],
    lambda m: _count(m.group(1) or m.group(2) or m.group(3)),
)
_P99 = reader(PATTERNS["p99"], lambda m: (m.group(1) or m.group(2)).lower())
_HTTPS_ENDPOINT = reader(PATTERNS["https_endpoint"], lambda m: m.group(1).rstrip(".,)"))

_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5}


def _num(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def _count(text: str) -> int | None:
    value = _WORDS.get(text.lower()) if not text.isdigit() else int(text)
    return value if value and 1 <= value <= 10 else None


def _alarms(bp: Blueprint) -> list[ResourceSpec]:
    return [r for r in bp.resources if r.type == "aws_cloudwatch_metric_alarm"]


def _latency_seconds(match: re.Match[str]) -> float:
    value = float(match.group(1) or match.group(3))
    unit = (match.group(2) or match.group(4)).lower()
    return value / 1000 if unit.startswith("m") or unit == "밀리초" else value


_LATENCY_THRESHOLD = reader(PATTERNS["latency_limit"], _latency_seconds)


def build(bp: Blueprint, ctx: Context) -> None:
    params = ctx.req.params
    cpu = params.get("alarm.cpu_threshold")
    errors = params.get("alarm.5xx_threshold")
    periods = params.get("alarm.consecutive_periods")
    for spec in _alarms(bp):
        metric = str(spec.body.get("metric_name", ""))
        if cpu is not None and metric == "CPUUtilization":
            spec.body["threshold"] = cpu
        if errors is not None and "5XX" in metric.upper():
            spec.body["threshold"] = errors
        if periods is not None:
            spec.body["evaluation_periods"] = periods
            if "datapoints_to_alarm" in spec.body:
                spec.body["datapoints_to_alarm"] = periods
    p99 = params.get("alarm.latency_percentile")
    lbs = [r for r in bp.resources if r.type == "aws_lb" and not r.data_source]
    if p99 and lbs and not bp.has("aws_cloudwatch_metric_alarm.alb_latency"):
        lb = lbs[0]
        body: dict[str, object] = {
            "alarm_name": interp("${local.name}-alb-latency"),
            "alarm_description": f"{p99} target response time is above the stated limit.",
            "namespace": "AWS/ApplicationELB",
            "metric_name": "TargetResponseTime",
            "extended_statistic": str(p99),
            "period": 300,
            "evaluation_periods": periods or 1,
            "threshold": params.get("alarm.latency_threshold") or 1.0,
            "comparison_operator": "GreaterThanThreshold",
            "treat_missing_data": "notBreaching",
            "dimensions": {"LoadBalancer": Expr(f"{lb.address}.arn_suffix")},
        }
        if bp.has("aws_sns_topic.alerts"):
            body["alarm_actions"] = [Expr("aws_sns_topic.alerts.arn")]
            body["ok_actions"] = [Expr("aws_sns_topic.alerts.arn")]
        bp.add(
            ResourceSpec(
                "aws_cloudwatch_metric_alarm",
                "alb_latency",
                "observability",
                f"Pages when the load balancer's {p99} response time stays above the stated limit.",
                body,
                block="alarms",
            )
        )
    endpoint = params.get("alarm.https_endpoint")
    if endpoint and bp.has("aws_sns_topic.alerts"):
        bp.add(
            ResourceSpec(
                "aws_sns_topic_subscription",
                "alert_https",
                "observability",
                "Sends every alarm to the on-call HTTPS endpoint (e.g. PagerDuty).",
                {
                    "topic_arn": Expr("aws_sns_topic.alerts.arn"),
                    "protocol": "https",
                    "endpoint": str(endpoint),
                    "endpoint_auto_confirms": True,
                },
                block="alerts",
            )
        )


CAPABILITY = declare(
    "alarm_options",
    build=build,
    readers={
        "alarm.cpu_threshold": _CPU,
        "alarm.5xx_threshold": _5XX,
        "alarm.consecutive_periods": _CONSECUTIVE,
        "alarm.latency_percentile": _P99,
        "alarm.latency_threshold": _LATENCY_THRESHOLD,
        "alarm.https_endpoint": _HTTPS_ENDPOINT,
    },
)
