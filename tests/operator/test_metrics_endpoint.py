"""The operator's Prometheus endpoint and the flags the Helm chart starts it with.

Mocked: only the Kubernetes API server (kmock) in the end-to-end test; /metrics is real HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from autcloud.accounts import MetricsRegistry
from autcloud.commands import operator as command
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.metrics_server import MetricsServer
from autcloud.operator.settings import OperatorSettings
from tests.operator.harness import REPO, Cluster, is_settled
from tests.operator.test_accounts_kmock import CompanionOperator, scrape

CHART_DEPLOYMENT = REPO / "charts" / "autcloud" / "templates" / "operator-deployment.yaml"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["operator", *argv])


@pytest_asyncio.fixture
async def metrics_server() -> AsyncIterator[MetricsServer]:
    server = MetricsServer(MetricsRegistry(), "127.0.0.1:0")
    await server.start()
    yield server
    await server.stop()


@pytest.mark.asyncio
async def test_metrics_answers_in_the_prometheus_text_format(
    metrics_server: MetricsServer,
) -> None:
    metrics_server.metrics.redis_errors.labels("xadd").inc()

    samples = await scrape(f"http://127.0.0.1:{metrics_server.port}/metrics")

    assert ({"operation": "xadd"}, 1.0) in samples["autcloud_redis_errors_total"]


@pytest.mark.asyncio
async def test_design_runs_are_measured_as_infradesign_reconciles(
    cluster: Cluster, tmp_path: Path
) -> None:
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache", diagram=False, metrics_listen="127.0.0.1:0"
    )
    thread = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(thread.start)
    try:
        spec = {"request": "A containerised web API with PostgreSQL in Seoul"}
        await cluster.apply("web", spec)
        await cluster.wait_for("web", is_settled(), what="a settled design")

        samples = await scrape(thread.metrics_url())
    finally:
        await asyncio.to_thread(thread.stop)

    counts = dict(
        (labels["kind"], value)
        for labels, value in samples["autcloud_reconcile_duration_seconds_count"]
    )
    assert counts["InfraDesign"] == 1.0


def test_every_flag_the_helm_chart_passes_is_accepted() -> None:
    template = CHART_DEPLOYMENT.read_text(encoding="utf-8")
    flags = set(re.findall(r"^\s*- (--[a-z-]+)", template, flags=re.MULTILINE))
    assert {"--standalone", "--leader-election", "--metrics-listen", "--log-level"} <= flags
    known = {option for action in _operator_parser()._actions for option in action.option_strings}

    assert flags <= known, f"the chart passes flags the CLI lacks: {sorted(flags - known)}"


def test_the_charts_arguments_parse_into_the_operators_settings() -> None:
    args = parse(
        "--standalone",
        "--namespace=team-a",
        "--namespace=team-b",
        "--liveness=http://0.0.0.0:8080/healthz",
        "--metrics-listen=0.0.0.0:9090",
        "--log-level=info",
    )

    assert args.standalone and args.leader_election is None
    assert args.namespace == ["team-a", "team-b"]
    assert args.metrics_listen == "0.0.0.0:9090" and args.log_level == "info"


def test_leader_election_and_standalone_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        parse("--standalone", "--leader-election=autcloud")


def test_metrics_are_served_on_port_9090_unless_told_otherwise() -> None:
    assert parse().metrics_listen == "0.0.0.0:9090"


@pytest.mark.parametrize("value", ["9090", "localhost:http", "0.0.0.0:70000"])
def test_a_bad_metrics_address_exits_2_naming_the_option(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command.run(parse(f"--metrics-listen={value}")) == command.EXIT_USAGE
    assert "--metrics-listen" in capsys.readouterr().err


def test_the_helm_charts_env_switches_deep_validation_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTCLOUD_VALIDATION_DEEP", "true")

    assert parse().validate == "full"


def _operator_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    command.register(subparsers)
    operator_parser: argparse.ArgumentParser = subparsers.choices["operator"]
    return operator_parser
