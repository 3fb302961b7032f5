"""``autcloud operator`` refuses bad options with a message naming the option and the fix."""

from __future__ import annotations

import argparse

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
