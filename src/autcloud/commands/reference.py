"""docs/cli.md, the command-line reference, rendered from the command table (exit codes) and the
parser built from it (options, as ``autcloud COMMAND --help`` shows them): every command, every
option and every exit code, so the reference can neither miss one nor name one that is gone."""

from __future__ import annotations

import argparse

from autcloud.commands.parsers import TABLE, command_table

INTRO = f"""\
# Command-line reference

Every `autcloud` command with its exit codes and options. Rendered from the command table,
[`src/autcloud/commands/{TABLE.name}`](../src/autcloud/commands/{TABLE.name}), and the parser
built from it: `.venv/bin/python scripts/cli_reference.py` writes it again, and `make lint`
(`--check`) and `tests/cli/test_cli_reference.py` fail when this page and the table differ.
`autcloud COMMAND --help` shows the same options with the command's own description.

Progress and logs go to stderr, results to stdout. Every command exits 2 on a usage error (the
message names the argument and the fix) and 130 when interrupted.
"""


def render(parser: argparse.ArgumentParser) -> str:
    """The reference of ``parser``, the whole ``autcloud`` parser."""
    commands = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ).choices
    sections = [INTRO]
    for name, command in command_table().items():
        lines = [
            f"## `autcloud {name}`",
            "",
            command.summary,
            "",
            "| exit | meaning |",
            "|---|---|",
        ]
        lines += [f"| {code} | {_cell(meaning)} |" for code, meaning in command.exits.items()]
        lines += _options(commands[name])
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """A table of each group of options that holds any (help itself left out)."""
    formatter = argparse.HelpFormatter(parser.prog)
    lines: list[str] = []
    for group in parser._action_groups:
        actions = [a for a in group._group_actions if not isinstance(a, argparse._HelpAction)]
        if not actions:
            continue
        if group.description:
            lines += ["", group.description]
        lines += ["", f"| {group.title} | |", "|---|---|"]
        for action in actions:
            invocation = formatter._format_action_invocation(action)
            note = " (required)" if action.required and action.option_strings else ""
            lines.append(f"| `{invocation}`{note} | {_cell(action.help or '')} |")
    return lines


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a pipe escaped."""
    return text.replace("|", "\\|")
