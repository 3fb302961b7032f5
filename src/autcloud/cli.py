"""The ``autcloud`` command line.

Progress and logs go to stderr, results to stdout. Exit codes: 0 done, 2 usage error; each
command documents its own others (``autcloud design``: 3 refused, 4 questions pending).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from autcloud import __version__

EXIT_USAGE = 2

# Each command is a module of autcloud.commands with register(subparsers) and run(args).
COMMANDS: tuple[str, ...] = (
    "design",
    "scan",
    "diagram",
    "tags",
    "monitor",
    "gateway",
    "watch",
    "say",
    "operator",
)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="autcloud",
        description="A production-grade AWS foundation from a sentence.",
    )
    parser.add_argument("--version", action="version", version=f"autcloud {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules: dict[str, ModuleType] = {}
    for name in COMMANDS:
        module = importlib.import_module(f"autcloud.commands.{name}")
        module.register(subparsers)
        modules[name] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits 2 on usage errors, 0 on --help
        return int(stop.code or 0)
    command = modules[args.command]
    try:
        result: int = command.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return result
