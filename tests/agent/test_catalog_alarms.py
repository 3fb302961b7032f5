"""The catalog's standard alarms (agent/catalog/alarms.yaml): every entry makes one CloudWatch
alarm on the alarm topic, with its {name} placeholders filled."""

from __future__ import annotations

import pytest

from autcloud.agent.catalog.base import Blueprint
from autcloud.agent.catalog.security import STANDARD_ALARMS, standard_alarm
from autcloud.agent.hcl import Expr


@pytest.mark.parametrize("kind", sorted(STANDARD_ALARMS))
def test_every_standard_alarm_makes_one_alarm_on_the_alert_topic(kind: str) -> None:
    bp = Blueprint()
    standard_alarm(bp, kind, "resize")
    [spec] = bp.resources
    assert spec.type == "aws_cloudwatch_metric_alarm"
    assert spec.topic == "observability"
    assert "{" not in spec.name and "{" not in spec.reason
    assert spec.body["alarm_actions"] == [Expr("aws_sns_topic.alerts.arn")]
    assert spec.body["dimensions"], "an alarm without dimensions watches nothing of ours"
    for dimension in spec.body["dimensions"].values():
        assert isinstance(dimension, Expr)
        assert dimension.text.startswith("aws_") and "{" not in dimension.text


def test_a_lambda_errors_alarm_watches_the_function_it_is_named_for() -> None:
    bp = Blueprint()
    standard_alarm(bp, "lambda_errors", "resize")
    [spec] = bp.resources
    assert spec.address == "aws_cloudwatch_metric_alarm.resize_errors"
    assert spec.reason == "Pages when the resize function fails."
    assert spec.body["dimensions"] == {
        "FunctionName": Expr("aws_lambda_function.resize.function_name")
    }
    assert (spec.body["statistic"], spec.body["evaluation_periods"]) == ("Sum", 1)


def test_an_alarm_keeps_the_defaults_the_entry_does_not_override() -> None:
    bp = Blueprint()
    standard_alarm(bp, "app_cpu_high")
    [spec] = bp.resources
    assert spec.block == "alarms"
    assert (spec.body["statistic"], spec.body["evaluation_periods"], spec.body["period"]) == (
        "Average",
        3,
        300,
    )
    assert spec.body["comparison_operator"] == "GreaterThanThreshold"
