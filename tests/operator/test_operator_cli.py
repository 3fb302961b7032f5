"""``autcloud operator`` refuses bad options with a message naming the option and the fix."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest

from autcloud.commands import operator as command


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["operator", *argv])


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--max-concurrent-runs", "0"], "--max-concurrent-runs"),
        (["--namespace", "Bad_NS"], "--namespace"),
        (["--redis-url", "localhost:6379"], "--redis-url"),
        (["--leader-election", "Bad_Name", "--leader-election-namespace=a"], "--leader-election"),
        (["--leader-election", "lease"], "--leader-election-namespace"),
        (["--leader-election", "lease", "--leader-election-namespace=Bad_NS"], "-namespace"),
        (
            ["--leader-election=lease", "--leader-election-namespace=a", "--lease-duration=1"],
            "--lease-duration",
        ),
    ],
)
def test_bad_options_exit_2_naming_the_option(
    argv: list[str],
    named: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    assert command.run(parse(*argv)) == command.EXIT_USAGE
    assert named in capsys.readouterr().err


def test_the_lease_namespace_defaults_to_the_pods_namespace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POD_NAMESPACE", "autcloud-system")

    args = parse("--leader-election=autcloud-operator")

    assert args.leader_election_namespace == "autcloud-system" and args.lease_duration == 15


def test_namespace_and_all_namespaces_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        parse("--namespace", "a", "--all-namespaces")


def test_defaults_watch_every_namespace_with_four_runs_at_once() -> None:
    args = parse()

    assert args.namespace == [] and args.max_concurrent_runs == 4 and args.redis_url is None


def test_every_target_rule_is_strict_by_default() -> None:
    args = parse()

    assert not args.allow_local_repositories and not args.allow_insecure_http
    assert args.allow_git_host == [] and args.allow_provider_host == []


def test_the_target_flags_are_accepted_and_hosts_repeat() -> None:
    args = parse(
        "--allow-local-repositories",
        "--allow-insecure-http",
        "--allow-git-host",
        "github.com",
        "--allow-git-host",
        "*.example.com",
        "--allow-provider-host",
        "llm.internal:8000",
    )

    assert args.allow_local_repositories and args.allow_insecure_http
    assert args.allow_git_host == ["github.com", "*.example.com"]
    assert args.allow_provider_host == ["llm.internal:8000"]


@pytest.mark.parametrize("option", ["--allow-git-host", "--allow-provider-host"])
def test_a_host_that_is_a_url_exits_2_naming_the_option(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command.run(parse(option, "https://github.com")) == command.EXIT_USAGE
    assert option in capsys.readouterr().err


def test_the_flags_show_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("--help")
    shown = capsys.readouterr().out
    for flag in (
        "--allow-local-repositories",
        "--allow-insecure-http",
        "--allow-git-host",
        "--allow-provider-host",
    ):
        assert flag in shown


def test_each_option_sets_its_operator_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The command line as a user (or the chart) writes it reaches OperatorSettings."""
    import kopf

    from autcloud.operator.selector import parse_selector
    from autcloud.operator.settings import LeaderElection, OperatorSettings
    from autcloud.operator.spec import ProviderSpec

    started: list[tuple[OperatorSettings, str | None]] = []
    monkeypatch.setattr(
        "autcloud.operator.runner.run",
        lambda settings, liveness_endpoint=None: started.append((settings, liveness_endpoint)),
    )
    monkeypatch.setattr(kopf, "configure", lambda **_: None)
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    monkeypatch.setenv("POD_NAME", "autcloud-operator-0")

    args = parse(
        "--namespace=team-a",
        "--namespace=team-b",
        "--leader-election=autcloud-operator",
        "--leader-election-namespace=autcloud",
        "--lease-duration=20",
        "--selector=autcloud.io/shard=a",
        "--max-concurrent-runs=2",
        f"--git-cache={tmp_path}",
        "--redis-url=redis+cluster://node-1:6379,node-2:6379",
        "--chat-group=team-a",
        "--validate=full",
        "--no-diagram",
        "--metrics-listen=off",
        "--liveness=http://0.0.0.0:8080/healthz",
        "--log-level=WARNING",
        "--default-provider=OpenAI",
        "--default-model=qwen2.5-7b-instruct",
        "--default-base-url=https://llm.internal:8000/v1",
        "--allow-insecure-http",
        "--allow-git-host=GitHub.com",
        "--allow-provider-host=llm.internal:8000",
    )
    root = logging.getLogger()
    level = root.level
    try:
        assert command.run(args) == 0
        assert root.level == logging.WARNING
    finally:
        root.setLevel(level)  # run() sets the root logger's level: put it back

    [(settings, liveness)] = started
    assert liveness == "http://0.0.0.0:8080/healthz"
    assert settings.namespaces == ("team-a", "team-b")
    assert settings.leader_election == LeaderElection("autcloud-operator", "autcloud", 20)
    assert settings.selector == parse_selector("autcloud.io/shard=a")
    assert settings.max_concurrent_runs == 2 and settings.git_cache_dir == tmp_path
    assert settings.redis_url == "redis+cluster://node-1:6379,node-2:6379"
    assert settings.chat_group == "team-a" and settings.pod_name == "autcloud-operator-0"
    assert settings.deep_validation and not settings.diagram and settings.metrics_listen is None
    assert settings.default_llm == ProviderSpec(
        "openai", "qwen2.5-7b-instruct", "https://llm.internal:8000/v1"
    )
    assert settings.default_llm_api_key == "sk-operator"
    assert settings.allow_insecure_http and not settings.allow_local_repositories
    assert settings.allowed_git_hosts == {"github.com"}
    assert settings.allowed_provider_hosts == {"llm.internal:8000"}
