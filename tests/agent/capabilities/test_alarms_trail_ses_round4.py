"""Alarms with stated thresholds, CloudTrail data events, and SES senders as the user states them."""

from __future__ import annotations

import asyncio
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


def design(request: str) -> tuple[TerraformModule, dict[str, Any]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    module = load_texts({n: t for n, t in result.files.items() if n.endswith(".tf")})
    return module, result.document


def alarms(module: TerraformModule) -> list[dict[str, Any]]:
    return list(module.resources.get("aws_cloudwatch_metric_alarm", {}).values())


def test_a_stated_cpu_threshold_sets_the_cpu_alarm() -> None:
    module, _ = design("A containerised web API in Seoul. Alarm when CPU above 80%")
    assert any(
        a.get("metric_name") == "CPUUtilization" and a.get("threshold") == 80
        for a in alarms(module)
    )


def test_a_p99_latency_alarm_uses_the_extended_statistic() -> None:
    module, _ = design(
        "A web API on ECS in Tokyo; alarm when p99 target response time is over 1 second"
    )
    latency = [a for a in alarms(module) if a.get("metric_name") == "TargetResponseTime"]
    assert latency and latency[0].get("extended_statistic") == "p99"


def test_consecutive_failures_set_the_evaluation_periods() -> None:
    module, _ = design("서울 리전 ECS 웹 API, 연속 5번 실패하면 알람")
    assert alarms(module) and all(a.get("evaluation_periods") == 5 for a in alarms(module))


def test_an_alarm_without_stated_periods_keeps_the_default() -> None:
    module, _ = design("A containerised web API in Seoul")
    assert alarms(module) and all(a.get("evaluation_periods") != 5 for a in alarms(module))


def test_s3_data_events_are_logged_by_the_trail_when_asked() -> None:
    module, _ = design("A web app with S3 uploads in Seoul; CloudTrail must log S3 data events")
    trail = next(iter(module.resources["aws_cloudtrail"].values()))
    assert "AWS::S3::Object" in repr(trail.get("event_selector"))


def test_a_stated_sender_address_is_the_ses_identity() -> None:
    module, document = design(
        "A serverless API in Seoul that e-mails receipts through SES from billing@acme.io"
    )
    identities = module.resources.get("aws_sesv2_email_identity", {}).values()
    assert any(i.get("email_identity") == "billing@acme.io" for i in identities)
    assert any(e["key"].startswith("service.ses") for e in document["requirements"]["ledger"])
