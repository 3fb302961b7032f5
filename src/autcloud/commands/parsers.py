"""How a command adds itself to ``autcloud``: a sub-parser described by its module's docstring."""

from __future__ import annotations

import argparse


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    summary: str,
    doc: str | None,
) -> argparse.ArgumentParser:
    """The sub-parser of command ``name``: ``summary`` in ``autcloud --help``, ``doc`` (the
    command module's docstring: usage, what it writes, exit codes) in ``autcloud NAME --help``,
    its line breaks kept."""
    return subparsers.add_parser(
        name,
        help=summary,
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
