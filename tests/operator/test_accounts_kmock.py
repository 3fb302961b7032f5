"""ProjectTag and MonitorTarget end to end: kopf against the emulated API server, AWS in moto.

Mocked: only the Kubernetes API server (kmock; no real one can run here) and AWS (a real moto
server over HTTP, reached through each object's spec.endpointURL). The operator, the accounts
domain code, boto3 and the /metrics HTTP server are real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import yaml
from prometheus_client.parser import text_string_to_metric_families

from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.runner import Companions, serve
from autcloud.operator.settings import OperatorSettings
from tests.accounts.seed import ACCOUNT, Aws
from tests.operator.harness import REPO, Cluster, OperatorThread
from tests.scanner.conftest import MotoServer, aws_env, start_moto, stop

__all__ = ["aws_env"]  # the session fixture: fake AWS credentials, no user configuration

pytestmark = pytest.mark.asyncio

REGION = "eu-west-1"
API = "/apis/autcloud.io/v1alpha1/namespaces/{namespace}/{plural}"


class CompanionOperator(OperatorThread):
    """The operator thread of ``harness.py``, keeping hold of /metrics and the chat inbox."""

    def __init__(self, runtime: OperatorRuntime) -> None:
        super().__init__(runtime)
        self.companions = Companions()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(
                serve(
                    self.runtime,
                    stop_flag=self.stop_flag,
                    ready_flag=self.ready,
                    companions=self.companions,
                )
            )
        except BaseException as error:  # reported by start()/the test
            self.error = error
        finally:
            loop.close()

    def metrics_url(self) -> str:
        server = self.companions.metrics_server
        assert server is not None, "the operator serves no /metrics"
        return f"http://127.0.0.1:{server.port}/metrics"


class Objects:
    """kubectl for ProjectTags and MonitorTargets, as HTTP calls to the emulator."""

    def __init__(
        self, cluster: Cluster, plural: str, kind: str, namespace: str = "default"
    ) -> None:
        self.cluster, self.plural, self.kind = cluster, plural, kind
        self.namespace = namespace

    def _path(self, name: str = "") -> str:
        path = API.format(namespace=self.namespace, plural=self.plural)
        return f"{path}/{name}" if name else path

    async def apply(self, name: str, spec: Mapping[str, Any]) -> None:
        body = {
            "apiVersion": "autcloud.io/v1alpha1",
            "kind": self.kind,
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": dict(spec),
        }
        await self.cluster._call("POST", self._path(), body)

    async def patch_spec(self, name: str, spec: Mapping[str, Any]) -> None:
        headers = {"Content-Type": "application/merge-patch+json"}
        await self.cluster._call("PATCH", self._path(name), {"spec": dict(spec)}, **headers)

    async def delete(self, name: str) -> None:
        await self.cluster._call("DELETE", self._path(name))

    async def get(self, name: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = await self.cluster._call("GET", self._path(name))
        except AssertionError as error:
            if "HTTP 404" in str(error):
                return None
            raise
        return result

    async def wait_for(
        self, name: str, check: Callable[[dict[str, Any]], bool], *, timeout: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            last = await self.get(name)
            if last is not None and check(last):
                return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.kind} {name}: timed out; last: {last!r}"[:3000])


def observed(generation: int = 1) -> Callable[[dict[str, Any]], bool]:
    def check(obj: dict[str, Any]) -> bool:
        return bool(obj.get("status", {}).get("observedGeneration") == generation)

    return check


def ready(obj: Mapping[str, Any]) -> dict[str, Any]:
    for item in obj.get("status", {}).get("conditions", []):
        if item["type"] == "Ready":
            return dict(item)
    return {}


async def install_account_crds(cluster: Cluster) -> None:
    for name in ("autcloud.io_projecttags.yaml", "autcloud.io_monitortargets.yaml"):
        crd = yaml.safe_load((REPO / "crds" / name).read_text(encoding="utf-8"))
        await cluster._call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)


async def event_reasons(cluster: Cluster, name: str) -> set[tuple[str, str]]:
    events = await cluster._call("GET", "/api/v1/namespaces/default/events")
    return {
        (e["type"], e["reason"])
        for e in events["items"]
        if e.get("involvedObject", {}).get("name") == name
    }


async def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """``/metrics`` parsed with prometheus_client's own text parser: name → (labels, value)."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


@pytest.fixture(scope="module")
def moto_server(aws_env: None) -> Iterator[MotoServer]:
    server = start_moto()
    yield server
    stop(server)


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    moto_server.reset()
    return moto_server


@pytest.fixture
def aws(moto: MotoServer) -> Aws:
    return Aws(moto.url, REGION)


@pytest_asyncio.fixture
async def operator(cluster: Cluster, tmp_path: Path) -> AsyncIterator[CompanionOperator]:
    await install_account_crds(cluster)
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        metrics_listen="127.0.0.1:0",
        secret_recheck_seconds=1.0,
        accounts_check_seconds=0.5,
    )
    thread = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(thread.start)
    yield thread
    await asyncio.to_thread(thread.stop)


@pytest.fixture
def tags(cluster: Cluster) -> Objects:
    return Objects(cluster, "projecttags", "ProjectTag")


@pytest.fixture
def targets(cluster: Cluster) -> Objects:
    return Objects(cluster, "monitortargets", "MonitorTarget")


def run_instances(aws: Aws, count: int, tags: Mapping[str, str] | None = None) -> list[str]:
    extra: dict[str, Any] = {}
    if tags:
        pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
        extra["TagSpecifications"] = [{"ResourceType": "instance", "Tags": pairs}]
    reply = aws.ec2.run_instances(ImageId="ami-03cf127a", MinCount=count, MaxCount=count, **extra)
    return [
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{i['InstanceId']}" for i in reply["Instances"]
    ]


def project_tag(moto: MotoServer, **extra: Any) -> dict[str, Any]:
    return {
        "tag": {"key": "Project", "value": "shop"},
        "regions": [REGION],
        "resourceKinds": ["ec2:instance"],
        "endpointURL": moto.url,
        **extra,
    }


def project_values(aws: Aws) -> dict[str, str | None]:
    """What EC2 itself says each instance carries under Project (a second opinion)."""
    values: dict[str, str | None] = {}
    for reservation in aws.ec2.describe_instances()["Reservations"]:
        for instance in reservation["Instances"]:
            found = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
            values[instance["InstanceId"]] = found.get("Project")
    return values


# --- ProjectTag ---------------------------------------------------------------------------


async def test_a_project_tag_in_report_mode_counts_and_plans_without_tagging(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws
) -> None:
    arns = run_instances(aws, 3)
    await tags.apply("shop", project_tag(moto))

    obj = await tags.wait_for("shop", observed(1))

    status = obj["status"]
    assert status["counts"] == {"matched": 3, "tagged": 0, "untagged": 3, "failed": 0}
    assert {c["arn"] for c in status["plannedChanges"]} == set(arns)
    assert all(c["add"] == {"Project": "shop"} for c in status["plannedChanges"])
    assert ready(obj)["status"] == "True" and ready(obj)["reason"] == "ScanSucceeded"
    assert set(project_values(aws).values()) == {None}


async def test_a_project_tag_in_enforce_mode_tags_the_resources_and_is_ready(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws, cluster: Cluster
) -> None:
    run_instances(aws, 2)
    run_instances(aws, 1, {"Project": "shop"})
    await tags.apply("shop", project_tag(moto, mode="enforce"))

    obj = await tags.wait_for("shop", observed(1))

    assert set(project_values(aws).values()) == {"shop"}
    assert obj["status"]["counts"]["matched"] == 3
    assert obj["status"]["counts"]["untagged"] == 0
    assert ready(obj)["status"] == "True"
    await eventually_has(cluster, "shop", ("Normal", "Tagged"))


async def test_switching_a_report_to_enforce_tags_on_the_spec_change(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws
) -> None:
    run_instances(aws, 2)
    await tags.apply("shop", project_tag(moto))
    await tags.wait_for("shop", observed(1))

    await tags.patch_spec("shop", {"mode": "enforce"})
    obj = await tags.wait_for("shop", observed(2))

    assert obj["status"]["counts"]["untagged"] == 0
    assert set(project_values(aws).values()) == {"shop"}


async def test_credentials_come_from_the_secret_named_in_the_spec(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws, cluster: Cluster
) -> None:
    run_instances(aws, 1)
    keys = {"AWS_ACCESS_KEY_ID": "AKIDFROMSECRET", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value-42"}
    await cluster.create_secret("default", "aws-creds", keys)
    spec = project_tag(moto, credentials={"secretRef": {"name": "aws-creds"}})
    await tags.apply("shop", spec)

    obj = await tags.wait_for("shop", observed(1))

    assert ready(obj)["status"] == "True", ready(obj)
    assert "s3cr3t-value-42" not in str(obj)


async def test_a_missing_credentials_secret_stalls_until_it_is_created(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws, cluster: Cluster
) -> None:
    run_instances(aws, 1)
    await tags.apply("shop", project_tag(moto, credentials={"secretRef": {"name": "later"}}))

    stalled = await tags.wait_for("shop", lambda o: ready(o).get("reason") == "SecretNotFound")
    assert "spec.credentials.secretRef.name" in ready(stalled)["message"]

    keys = {"AWS_ACCESS_KEY_ID": "AKIDLATER", "AWS_SECRET_ACCESS_KEY": "later-secret-value"}
    await cluster.create_secret("default", "later", keys)
    recovered = await tags.wait_for("shop", lambda o: ready(o).get("status") == "True")
    assert recovered["status"]["counts"]["matched"] == 1


async def test_a_timer_rescans_when_the_schedule_says_so_and_reports_drift(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws, cluster: Cluster
) -> None:
    run_instances(aws, 1)
    await tags.apply("shop", project_tag(moto))
    first = await tags.wait_for("shop", observed(1))
    run_instances(aws, 1)
    # The shortest schedule is 5 minutes: move this object's due time to now, where it would be
    # 5 minutes later (the timer looks every 0.5 s here). No spec change is made.
    accounts = operator.companions.accounts
    assert accounts is not None
    assert not accounts.is_due("ProjectTag", "default", "shop")
    accounts.due[("ProjectTag", "default", "shop")] = 0.0

    later = await tags.wait_for("shop", lambda o: o["status"]["counts"]["untagged"] == 2)

    assert later["status"]["lastScanTime"] >= first["status"]["lastScanTime"]
    assert later["metadata"]["generation"] == 1
    await eventually_has(cluster, "shop", ("Warning", "DriftDetected"))


async def eventually_has(cluster: Cluster, name: str, reason: tuple[str, str]) -> None:
    deadline = time.monotonic() + 10
    while reason not in await event_reasons(cluster, name):
        assert time.monotonic() < deadline, f"no {reason} event for {name}"
        await asyncio.sleep(0.1)


# --- MonitorTarget ------------------------------------------------------------------------


def seed_metrics(aws: Aws, instance_arn: str, values: list[float]) -> None:
    now = datetime.now(UTC)
    instance_id = instance_arn.rsplit("/", 1)[1]
    aws.cloudwatch.put_metric_data(
        Namespace="AWS/EC2",
        MetricData=[
            {
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                "Value": value,
                "Timestamp": now - timedelta(minutes=5 * i + 1),
            }
            for i, value in enumerate(values)
        ],
    )


def monitor_target(moto: MotoServer) -> dict[str, Any]:
    return {
        "selector": {"tag": {"key": "Project", "value": "shop"}},
        "regions": [REGION],
        "endpointURL": moto.url,
    }


async def test_a_monitor_target_reports_readings_insights_and_serves_them_on_metrics(
    operator: CompanionOperator, targets: Objects, moto: MotoServer, aws: Aws
) -> None:
    [idle] = run_instances(aws, 1, {"Project": "shop"})
    seed_metrics(aws, idle, [1.0, 2.0, 1.5])
    await targets.apply("shop", monitor_target(moto))

    obj = await targets.wait_for("shop", observed(1))

    status = obj["status"]
    assert status["counts"]["resources"] == 1
    cpu = [r for r in status["readings"] if r["metric"].startswith("AWS/EC2/CPUUtilization")]
    assert cpu and all(r["resource"] == idle for r in cpu)
    assert {"Idle"} <= {i["kind"] for i in status["insights"]}
    assert ready(obj)["status"] == "True"
    samples = await scrape(operator.metrics_url())
    readings = [
        labels
        for labels, _ in samples["autcloud_resource_metric"]
        if labels["resource"] == idle and labels["metric"] == "AWS/EC2/CPUUtilization"
    ]
    assert readings and readings[0]["project"] == "shop"
    assert ({"project": "shop", "kind": "Idle"}, 1.0) in samples["autcloud_insights"]
    reconciles = {
        labels["kind"] for labels, _ in samples["autcloud_reconcile_duration_seconds_count"]
    }
    assert "MonitorTarget" in reconciles


async def test_deleting_a_monitor_target_removes_its_series_from_metrics(
    operator: CompanionOperator, targets: Objects, moto: MotoServer, aws: Aws
) -> None:
    [instance] = run_instances(aws, 1, {"Project": "shop"})
    seed_metrics(aws, instance, [50.0])
    await targets.apply("shop", monitor_target(moto))
    await targets.wait_for("shop", observed(1))

    assert await series_of(operator, instance)

    await targets.delete("shop")
    deadline = time.monotonic() + 10
    while await targets.get("shop") is not None:
        assert time.monotonic() < deadline, "the MonitorTarget was not released"
        await asyncio.sleep(0.1)

    assert await series_of(operator, instance) == []


async def series_of(operator: CompanionOperator, resource: str) -> list[dict[str, str]]:
    samples = await scrape(operator.metrics_url())
    return [
        labels
        for labels, _ in samples.get("autcloud_resource_metric", [])
        if labels["resource"] == resource
    ]


async def test_an_account_reconcile_is_a_span_of_its_kind_with_the_object(
    operator: CompanionOperator, tags: Objects, moto: MotoServer, aws: Aws
) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from autcloud import tracing

    exporter = InMemorySpanExporter()
    tracing.configure("autcloud-operator", exporters=[exporter])
    try:
        run_instances(aws, 1)
        await tags.apply("traced", project_tag(moto))
        await tags.wait_for("traced", observed(1))
    finally:
        tracing.shutdown()

    spans = [s for s in exporter.get_finished_spans() if s.name == "reconcile ProjectTag"]
    assert spans and spans[0].attributes is not None
    assert spans[0].attributes["autcloud.object"] == "traced"
