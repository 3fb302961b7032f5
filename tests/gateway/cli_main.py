"""Runs the streaming CLI commands in a subprocess for the tests.

Until these commands are listed in ``autcloud.cli.COMMANDS`` this builds the same parser from
their modules; afterwards it is equivalent to running ``autcloud``.
"""

from __future__ import annotations

import argparse
import sys

from autcloud.commands import gateway, say, watch


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="autcloud")
    subparsers = parser.add_subparsers(dest="command", required=True)
    modules = {"gateway": gateway, "say": say, "watch": watch}
    for module in modules.values():
        module.register(subparsers)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    result: int = modules[args.command].run(args)
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
