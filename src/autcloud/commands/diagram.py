"""``autcloud diagram DIR [--format json,svg,png,dot] [--view architecture|graph] [--out-dir PATH] [--json]``

Draws the architecture of any Terraform folder (a design, a scan, your own): the components
inside their region → VPC → availability zone → subnet, edges that are flows (request, event,
data, replication, management) labelled in words, plumbing folded into badges. Writes
``diagram.<format>`` into DIR (or --out-dir), and with json the full reference graph as
``graph.json`` (and ``graph.svg``). ``--view graph`` draws the reference graph as diagram.*.
SVG and PNG use graphviz ``dot`` when installed, else the WebAssembly Graphviz package.

Exit codes: 0 written, 2 usage error (no such folder, no *.tf files, unknown format),
3 the folder does not parse or graphviz failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autcloud.agent.diagram import VIEWS, DiagramRenderError, diagram_for_folder, write_diagram
from autcloud.agent.tfparse import TerraformParseError
from autcloud.commands.parsers import add_command

EXIT_WRITTEN = 0
EXIT_USAGE = 2
EXIT_FAILED = 3
FORMATS = ("json", "dot", "svg", "png")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(subparsers, "diagram", doc=__doc__, values={"VIEWS": VIEWS})


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    formats = tuple(f.strip() for f in str(args.format).split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        print(
            f"autcloud diagram: --format {args.format!r}: choose from {', '.join(FORMATS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not folder.is_dir() or not any(folder.glob("*.tf")):
        print(
            f"autcloud diagram: {folder}: not a folder of *.tf files; give a Terraform folder",
            file=sys.stderr,
        )
        return EXIT_USAGE
    out_dir: Path = args.out_dir or folder
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        diagram = diagram_for_folder(folder, view=args.view)
        written = write_diagram(out_dir, diagram, formats)
    except TerraformParseError as error:
        print(f"autcloud diagram: cannot parse {error}", file=sys.stderr)
        return EXIT_FAILED
    except DiagramRenderError as error:
        print(f"autcloud diagram: {error}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(diagram.to_json(), end="")
    else:
        for path in written:
            print(path)
    print(
        json.dumps(
            {
                "view": diagram.view,
                "nodes": len(diagram.nodes),
                "groups": len(diagram.groups),
                "edges": len(diagram.edges),
            }
        ),
        file=sys.stderr,
    )
    return EXIT_WRITTEN
