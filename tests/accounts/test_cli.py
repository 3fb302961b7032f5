"""``autcloud tags`` and ``autcloud monitor`` against a moto server (run through their modules:
the lead adds them to the CLI's COMMANDS)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest

from autcloud.commands import monitor, tags
from tests.accounts.conftest import REGION
from tests.accounts.seed import Aws
from tests.scanner.conftest import MotoServer


def run(module: ModuleType, argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers(dest="command"))
    code: int = module.run(parser.parse_args(argv))
    return code


def test_tags_apply_then_report_finds_nothing_untagged(
    moto: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    Aws(moto.url, REGION).sqs.create_queue(QueueName="jobs")
    common = [
        "--tag",
        "Project=shop",
        "--region",
        REGION,
        "--kinds",
        "sqs:queue",
        "--endpoint-url",
        moto.url,
        "--json",
    ]
    assert run(tags, ["tags", "apply", *common]) == 0
    applied = json.loads(capsys.readouterr().out)
    assert applied["tagged"] == [f"arn:aws:sqs:{REGION}:123456789012:jobs"]
    assert run(tags, ["tags", "report", *common]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {
        "matched": 1,
        "tagged": 1,
        "untagged": 0,
        "failed": 0,
    }


def test_tags_rejects_a_tag_without_value(
    moto: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tags, ["tags", "report", "--tag", "Project", "--region", REGION]) == 2
    assert "--tag 'Project': give KEY=VALUE" in capsys.readouterr().err


def test_monitor_prints_insights_with_a_follow_up(
    moto: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = Aws(moto.url, REGION)
    aws.sqs.create_queue(QueueName="jobs", tags={"Project": "shop"})
    aws.cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": "jobs"}],
                "Value": 4000.0,
                "Timestamp": datetime.now(UTC) - timedelta(minutes=2),
            }
        ],
    )
    assert (
        run(
            monitor,
            [
                "monitor",
                "--tag",
                "Project=shop",
                "--region",
                REGION,
                "--endpoint-url",
                moto.url,
                "--json",
            ],
        )
        == 0
    )
    output = json.loads(capsys.readouterr().out)
    assert [i["kind"] for i in output["insights"]] == ["QueueBacklog"]
    assert output["insights"][0]["followUp"].startswith("Scale the consumers of SQS queue jobs")
