"""docs/cli.md is the command-line reference users read: every option and exit code of every
command is in it, nothing is in it that the CLI does not have, and the exit codes the commands
return are the ones the table (and so the page) lists.

Run as a module, it writes docs/cli.md again: ``.venv/bin/python -m tests.cli.test_cli_reference``.
"""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import pytest

from autcloud.cli import COMMANDS, build_parser
from autcloud.commands.parsers import command_table
from autcloud.commands.reference import render

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser, _ = build_parser([])
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _section(text: str, command: str) -> str:
    """The part of docs/cli.md under ``## `autcloud COMMAND```."""
    match = re.search(rf"^## `autcloud {command}`\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/cli.md has no section for autcloud {command}"
    return match[1]


def test_the_reference_is_the_one_the_table_renders() -> None:
    parser, _ = build_parser([])
    assert REFERENCE.read_text(encoding="utf-8") == render(parser), (
        "docs/cli.md differs from commands.yaml: run .venv/bin/python -m tests.cli.test_cli_reference"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_documented_and_every_documented_option_exists(command: str) -> None:
    section = _section(REFERENCE.read_text(encoding="utf-8"), command)
    options = set(_subparsers()[command]._option_string_actions) - {"-h", "--help"}
    documented = set(re.findall(r"^\| `(-[-\w]+)", section, re.M))
    documented |= set(re.findall(r"^\| `[^`]*?, (-[-\w]+)", section, re.M))
    assert documented == options


@pytest.mark.parametrize("command", COMMANDS)
def test_every_exit_code_is_documented_and_every_documented_one_is_the_tables(
    command: str,
) -> None:
    section = _section(REFERENCE.read_text(encoding="utf-8"), command)
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == set(command_table()[command].exits)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_exit_codes_a_command_returns_are_in_the_table(command: str) -> None:
    module = importlib.import_module(f"autcloud.commands.{command}")
    returned = {
        value
        for name, value in vars(module).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    assert returned, f"autcloud.commands.{command} names no EXIT_ code"
    assert returned <= set(command_table()[command].exits)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_exit_codes_of_the_module_docstring_are_the_tables(command: str) -> None:
    """The docstring is ``autcloud COMMAND --help``'s text (or the module's own description)."""
    doc = importlib.import_module(f"autcloud.commands.{command}").__doc__ or ""
    paragraph = doc[doc.index("Exit codes:") :].split("\n\n")[0]
    named = {int(code) for code in re.findall(r"(?:^|[:,] ?|\n)(\d+) ", paragraph)}
    assert named == set(command_table()[command].exits)


def test_the_check_finds_an_undocumented_option() -> None:
    # The checks can fail: a section without one of its options no longer matches.
    section = _section(REFERENCE.read_text(encoding="utf-8"), "scan")
    assert "| `--no-global` |" in section
    assert "--no-global" not in section.replace("| `--no-global` |", "")
