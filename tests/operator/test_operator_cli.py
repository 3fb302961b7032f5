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
    ],
)
def test_bad_options_exit_2_naming_the_option(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command.run(parse(*argv)) == command.EXIT_USAGE
    assert named in capsys.readouterr().err


def test_namespace_and_all_namespaces_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        parse("--namespace", "a", "--all-namespaces")


def test_defaults_watch_every_namespace_with_four_runs_at_once() -> None:
    args = parse()

    assert args.namespace == [] and args.max_concurrent_runs == 4 and args.redis_url is None
