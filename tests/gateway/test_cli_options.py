"""Every option of ``autcloud gateway`` reaches what it sets: the command line as a user (or the
chart) writes it, parsed by the CLI's own parser, lands in GatewayConfig and the authorizer."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from autcloud.cli import build_parser
from autcloud.commands import gateway as gateway_command
from autcloud.gateway.app import GatewayConfig
from autcloud.gateway.auth import Authorizer
from autcloud.gateway.kube_auth import KubernetesAuthorizer

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "http://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
"""


def _parse(*argv: str) -> argparse.Namespace:
    parser, _ = build_parser(["gateway", *argv])
    return parser.parse_args(["gateway", *argv])


def _served(monkeypatch: pytest.MonkeyPatch, args: argparse.Namespace) -> dict[str, Any]:
    served: dict[str, Any] = {}

    async def serve(config: GatewayConfig, authorizer: Authorizer) -> None:
        served.update(config=config, authorizer=authorizer)

    monkeypatch.setattr("autcloud.gateway.server.serve", serve)
    assert gateway_command.run(args) == 0
    return served


def test_each_limit_option_sets_its_gateway_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    args = _parse(
        "--redis-url=redis://127.0.0.1:6379/0",
        "--listen=127.0.0.1:8181",
        "--kubernetes-auth",
        f"--kubeconfig={kubeconfig}",
        "--log-level=warning",
        "--metrics-listen=127.0.0.1:9191",
        "--max-message-chars=1500",
        "--max-json-depth=7",
        "--header-timeout=3.5",
        "--body-timeout=4.5",
        "--message-rate=0.25",
        "--message-burst=5",
        "--auth-failure-rate=0.125",
        "--auth-failure-burst=6",
        "--trusted-proxy-hops=2",
        "--requests-max-bytes=1048576",
        "--auth-cache-size=77",
        "--auth-cache-ttl=30",
        "--auth-negative-cache-ttl=3",
    )
    served = _served(monkeypatch, args)

    config: GatewayConfig = served["config"]
    assert (config.host, config.port) == ("127.0.0.1", 8181)
    assert (config.metrics_host, config.metrics_port) == ("127.0.0.1", 9191)
    assert config.max_message_chars == 1500
    assert config.max_json_depth == 7
    assert (config.header_timeout_s, config.body_timeout_s) == (3.5, 4.5)
    assert (config.message_rate, config.message_burst) == (0.25, 5)
    assert (config.auth_failure_rate, config.auth_failure_burst) == (0.125, 6)
    assert config.trusted_proxy_hops == 2
    assert config.requests_max_bytes == 1_048_576
    authorizer = served["authorizer"]
    assert isinstance(authorizer, KubernetesAuthorizer)
    assert (authorizer._cache_ttl_s, authorizer._negative_ttl_s) == (30.0, 3.0)
    assert authorizer._reviews._max_size == 77


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        ("--message-burst=0", "--message-burst must be positive"),
        ("--message-rate=-1", "--message-rate must be 0 or more"),
        ("--max-message-chars=2001", "--max-message-chars 2001 is above"),
        ("--metrics-listen=9090", "--metrics-listen '9090' must be HOST:PORT"),
        ("--redis-url=http://127.0.0.1:6379", "--redis-url"),
    ],
)
def test_a_value_that_cannot_work_exits_2_naming_the_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], option: str, problem: str
) -> None:
    args = _parse("--redis-url=redis://127.0.0.1:6379/0", "--token=t", option)
    monkeypatch.setattr("autcloud.gateway.server.serve", None)  # never reached
    assert gateway_command.run(args) == 2
    assert problem in capsys.readouterr().err
