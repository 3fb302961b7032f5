"""The command table (src/autcloud/commands/commands.yaml) refuses what it cannot mean, naming the
place and the fix, and a command module that gives a value its options name is what they show."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from autcloud.commands.parsers import CommandTableError, add_command, command_table, read_table

COMMAND = """\
option_sets:
  common:
    - --profile: {help: the profile}
commands:
  demo:
    summary: a demo
    exits: {0: done}
    options:
%s
"""


def _table(tmp_path: Path, options: str) -> Path:
    path = tmp_path / "commands.yaml"
    path.write_text(COMMAND % options, encoding="utf-8")
    return path


def test_a_well_formed_table_reads_with_its_option_sets_in_place(tmp_path: Path) -> None:
    table = read_table(_table(tmp_path, "      - --out: {type: path}\n      - use: common"))
    assert [option.flags for option in table["demo"].options] == [("--out",), ("--profile",)]
    assert table["demo"].exits == {0: "done"}


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ("      - --out: {kind: path}", "commands.demo --out: unknown field 'kind'"),
        ("      - --out: {type: file}", "commands.demo --out: type 'file'; use one of"),
        ("      - --out: {action: count}", "commands.demo --out: action 'count'; use one of"),
        ("      - --out: {group: extra}", "commands.demo --out: group 'extra'"),
        ("      - use: gateway", "commands.demo: use 'gateway' is not an option set"),
    ],
)
def test_a_field_the_table_cannot_mean_is_refused_by_name(
    tmp_path: Path, options: str, problem: str
) -> None:
    with pytest.raises(CommandTableError, match=problem):
        read_table(_table(tmp_path, options))


def test_a_value_the_command_module_does_not_give_is_named() -> None:
    subparsers = argparse.ArgumentParser().add_subparsers()
    with pytest.raises(CommandTableError, match=r"--view: \{VIEWS\} is not among the values"):
        add_command(subparsers, "diagram", values={})


def test_a_whole_value_is_the_object_given_and_a_text_writes_it_out() -> None:
    subparsers = argparse.ArgumentParser().add_subparsers()
    parser = add_command(subparsers, "diagram", values={"VIEWS": ("architecture", "graph")})
    view = parser._option_string_actions["--view"]
    assert view.choices == ("architecture", "graph")
    assert parser.parse_args(["folder", "--view", "graph"]).view == "graph"


def test_every_command_of_the_real_table_has_a_usage_exit() -> None:
    for name, command in command_table().items():
        assert command.exits.get(2), f"{name}: exit 2 (usage error) is not listed"
