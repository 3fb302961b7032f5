"""The ``autcloud`` command line.

Progress and logs go to stderr, results to stdout. Exit codes: 0 done, 2 usage error; each
command documents its own others (``autcloud design``: 3 refused, 4 questions pending).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from autcloud import __version__
from autcloud.commands.parsers import command_names

EXIT_USAGE = 2

# Each command is a module of autcloud.commands with register(subparsers) and run(args), and an
# entry of the command table (autcloud/commands/commands.yaml: its summary, exit codes, options).
COMMANDS = command_names()


def build_parser(
    argv: Sequence[str] | None = None,
) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The parser; with ``argv`` naming a command, only that command's module is imported.

    Command modules import what they run (boto3, langgraph, kopf): loading all of them would
    cost a design a few hundred milliseconds for commands it never uses. Without a known
    command (``--help``, ``--version``, a typo) every command is registered, so help and the
    "invalid choice" message list them all.
    """
    first = next((word for word in argv or () if not word.startswith("-")), None)
    names = (first,) if first in COMMANDS else COMMANDS
    parser = argparse.ArgumentParser(
        prog="autcloud",
        description="A production-grade AWS foundation from a sentence.",
    )
    parser.add_argument("--version", action="version", version=f"autcloud {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules: dict[str, ModuleType] = {}
    for name in names:
        module = importlib.import_module(f"autcloud.commands.{name}")
        module.register(subparsers)
        modules[name] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser, modules = build_parser(arguments)
    # The imported modules live as long as the process: moved out of the collector's reach,
    # they are not traversed again by every full collection (a design's HCL parse makes
    # ~100k objects and used to spend a third of its time in such collections).
    gc.freeze()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as stop:  # argparse exits 2 on usage errors, 0 on --help
        return int(stop.code or 0)
    command = modules[args.command]
    try:
        result: int = command.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return result
