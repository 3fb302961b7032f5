"""MonitorTarget's domain reconcile: metrics seeded with put_metric_data into a moto server,
read back over HTTP, turned into readings, insights and Prometheus output."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from autcloud.accounts import AwsClients, MetricsRegistry, reconcile_monitor_target
from autcloud.accounts.collector import QUERIES_PER_CALL
from tests.accounts.conftest import REGION
from tests.accounts.seed import ACCOUNT, Aws
from tests.scanner.conftest import MotoServer

GIB = 1024**3
TAG = {"key": "Project", "value": "shop"}
INSTANCE_ARN = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/"


def put(
    aws: Aws,
    namespace: str,
    dimension: tuple[str, str],
    name: str,
    values: list[float],
    now: datetime,
) -> None:
    """One data point per 5 minutes, newest first."""
    aws.cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}],
                "Value": value,
                "Timestamp": now - timedelta(minutes=5 * i + 1),
            }
            for i, value in enumerate(values)
        ],
    )


@pytest.fixture
def account(moto: MotoServer) -> dict[str, str]:
    """Tagged resources of four kinds with metrics that trip a rule each, and a busy instance."""
    aws, now = Aws(moto.url, REGION), datetime.now(UTC)
    tags = [{"Key": "Project", "Value": "shop"}]
    spec = [{"ResourceType": "instance", "Tags": tags}]
    idle, busy = (
        aws.ec2.run_instances(
            ImageId="ami-03cf127a", MinCount=1, MaxCount=1, TagSpecifications=spec
        )["Instances"][0]["InstanceId"]
        for _ in range(2)
    )
    put(aws, "AWS/EC2", ("InstanceId", idle), "CPUUtilization", [1.0, 2.0, 1.5], now)
    put(aws, "AWS/EC2", ("InstanceId", busy), "CPUUtilization", [95.0, 90.0, 85.0], now)
    aws.sqs.create_queue(QueueName="jobs", tags={"Project": "shop"})
    put(aws, "AWS/SQS", ("QueueName", "jobs"), "ApproximateNumberOfMessagesVisible", [5000.0], now)
    db = aws.rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin1",
        MasterUserPassword="seed-Password-42",
        Tags=tags,
    )["DBInstance"]["DBInstanceArn"]
    put(aws, "AWS/RDS", ("DBInstanceIdentifier", "orders"), "FreeStorageSpace", [1.0 * GIB], now)
    put(aws, "AWS/RDS", ("DBInstanceIdentifier", "orders"), "CPUUtilization", [50.0, 60.0], now)
    return {
        "idle": INSTANCE_ARN + idle,
        "busy": INSTANCE_ARN + busy,
        "queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs",
        "db": db,
    }


def target(**extra: Any) -> dict[str, Any]:
    return {"selector": {"tag": TAG}, "regions": [REGION], **extra}


def insight_kinds(result: Any) -> set[tuple[str, str]]:
    return {(i["kind"], i["resource"]) for i in result.status_patch["insights"]}


def test_readings_are_the_latest_data_point(clients: AwsClients, account: dict[str, str]) -> None:
    result = reconcile_monitor_target(target(), clients=clients)
    reading = next(
        r
        for r in result.status_patch["readings"]
        if r["resource"] == account["idle"] and r["metric"] == "AWS/EC2/CPUUtilization:Maximum"
    )
    assert reading["value"] == 1.0
    assert reading["unit"] == "Percent"
    assert result.status_patch["counts"]["resources"] == 4


def test_insights_come_with_evidence_and_a_suggestion(
    clients: AwsClients, account: dict[str, str]
) -> None:
    result = reconcile_monitor_target(target(), clients=clients)
    assert insight_kinds(result) == {
        ("Idle", account["idle"]),
        ("UnderProvisioned", account["busy"]),
        ("QueueBacklog", account["queue"]),
        ("LowStorage", account["db"]),
    }
    idle = next(i for i in result.status_patch["insights"] if i["kind"] == "Idle")
    assert idle["evidence"] == {
        "metric": "AWS/EC2/CPUUtilization:Maximum",
        "window": "24h",
        "value": 2.0,
        "threshold": 5.0,
    }
    assert "Stop or delete it" in idle["suggestion"]
    storage = next(i for i in result.insights if i.kind == "LowStorage")
    assert storage.value == pytest.approx(5.0)
    assert storage.follow_up.startswith("Increase the allocated storage of RDS instance orders")


def test_thresholds_come_from_the_spec(clients: AwsClients, account: dict[str, str]) -> None:
    thresholds = {
        "idleCpuPercent": 0.5,
        "overProvisionedCpuPercent": 3,
        "underProvisionedCpuPercent": 99,
        "queueBacklog": 10000,
    }
    result = reconcile_monitor_target(target(thresholds=thresholds), clients=clients)
    assert insight_kinds(result) == {
        ("OverProvisioned", account["idle"]),
        ("LowStorage", account["db"]),
    }


def test_get_metric_data_is_batched_at_500_queries(clients: AwsClients, moto: MotoServer) -> None:
    arns = [f"{INSTANCE_ARN}i-{n:017x}" for n in range(130)]  # 4 default metrics each: 520 queries
    result = reconcile_monitor_target({"arns": arns}, clients=clients)
    assert result.status_patch["counts"]["resources"] == 130
    assert (
        clients.operations("monitoring:GetMetricData") == math.ceil(130 * 4 / QUERIES_PER_CALL) == 2
    )


def test_custom_metrics_get_the_resource_dimension(
    clients: AwsClients, account: dict[str, str], moto: MotoServer
) -> None:
    aws = Aws(moto.url, REGION)
    queue = ("QueueName", "jobs")
    put(aws, "Shop/Workers", queue, "JobsFailed", [7.0], datetime.now(UTC))
    spec = {
        "arns": [account["queue"]],
        "defaultMetricSets": False,
        "metrics": [{"namespace": "Shop/Workers", "name": "JobsFailed", "stat": "Sum"}],
    }
    result = reconcile_monitor_target(spec, clients=clients)
    assert [(r["metric"], r["value"]) for r in result.status_patch["readings"]] == [
        ("Shop/Workers/JobsFailed:Sum", 7.0)
    ]


def test_prometheus_output_has_readings_and_health(
    clients: AwsClients, account: dict[str, str]
) -> None:
    registry = MetricsRegistry()
    with registry.reconcile("MonitorTarget"):
        reconcile_monitor_target(target(), clients=clients, registry=registry, owner="shop/web")
    families = {f.name: f for f in text_string_to_metric_families(registry.exposition().decode())}
    sample = next(
        s
        for s in families["autcloud_resource_metric"].samples
        if s.labels["resource"] == account["idle"] and s.labels["stat"] == "Maximum"
    )
    assert sample.labels == {
        "project": "shop",
        "resource": account["idle"],
        "kind": "ec2:instance",
        "metric": "AWS/EC2/CPUUtilization",
        "stat": "Maximum",
    }
    assert sample.value == 1.0
    durations = families["autcloud_reconcile_duration_seconds"].samples
    assert any(s.name.endswith("_count") and s.value == 1 for s in durations)
    assert {
        "autcloud_runs_in_flight",
        "autcloud_reconcile_errors",
        "autcloud_redis_errors",
        "autcloud_kubernetes_api_errors",
    } <= set(families)


def test_forgetting_a_target_removes_its_series(
    clients: AwsClients, account: dict[str, str]
) -> None:
    registry = MetricsRegistry()
    reconcile_monitor_target(target(), clients=clients, registry=registry, owner="shop/web")
    registry.forget("shop/web")
    families = {f.name: f for f in text_string_to_metric_families(registry.exposition().decode())}
    assert families["autcloud_resource_metric"].samples == []


def test_a_failed_reconcile_counts_as_an_error() -> None:
    registry = MetricsRegistry()
    with pytest.raises(RuntimeError), registry.reconcile("ProjectTag"):
        raise RuntimeError("boom")
    assert (
        registry.registry.get_sample_value(
            "autcloud_reconcile_errors_total", {"kind": "ProjectTag", "reason": "RuntimeError"}
        )
        == 1
    )
    assert (
        registry.registry.get_sample_value("autcloud_runs_in_flight", {"kind": "ProjectTag"}) == 0
    )


def test_summary_is_written_by_the_model_when_one_is_configured(
    clients: AwsClients, account: dict[str, str]
) -> None:
    """A stand-in for a language model (none can run here): it echoes what it was given."""
    prompts: list[str] = []

    def model(prompt: str) -> str:
        prompts.append(prompt)
        return "Resize the busy instance first."

    result = reconcile_monitor_target(target(), clients=clients, complete=model)
    assert result.summary == "Resize the busy instance first."
    assert "QueueBacklog" in prompts[0]


def test_summary_falls_back_to_plain_text_when_the_model_fails(
    clients: AwsClients, account: dict[str, str]
) -> None:
    def broken(prompt: str) -> str:
        raise ConnectionError("no model")

    result = reconcile_monitor_target(target(), clients=clients, complete=broken)
    assert result.summary.startswith("4 resources watched; 4 insights")


def test_no_tagged_resources_is_ready_not_an_error(clients: AwsClients) -> None:
    result = reconcile_monitor_target(target(), clients=clients)
    ready = result.status_patch["conditions"][0]
    assert (ready["status"], ready["reason"]) == ("True", "NoResourcesMatched")


def test_selector_and_arns_together_are_invalid(clients: AwsClients) -> None:
    result = reconcile_monitor_target({**target(), "arns": [INSTANCE_ARN + "i-1"]}, clients=clients)
    stalled = next(c for c in result.status_patch["conditions"] if c["type"] == "Stalled")
    assert stalled["status"] == "True"
    assert "exactly one of selector" in stalled["message"]
