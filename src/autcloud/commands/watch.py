"""``autcloud watch NAMESPACE/NAME``: follow a design's progress through the gateway.

Progress goes to stderr as it happens; with ``--json`` every event is also printed to stdout as
one JSON line (``{"id", "event", "data"}``). The stream resumes by itself after a disconnect.

Exit codes: 0 the run finished well, 1 it finished with a failure, 2 usage error, 3 refused by
the gateway (bad token, no access, bad input), 4 the gateway could not be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from rich.console import Console
from rich.markup import escape

from autcloud.commands import event_lines
from autcloud.events import EventSchemaError, event_from_dict

ENV_URL = "AUTCLOUD_GATEWAY_URL"
ENV_TOKEN = "AUTCLOUD_GATEWAY_TOKEN"
EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE = 1, 2, 3, 4


def add_gateway_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gateway",
        default=os.environ.get(ENV_URL, "http://127.0.0.1:8080"),
        metavar="URL",
        help=f"gateway base URL (default: ${ENV_URL} or http://127.0.0.1:8080)",
    )
    parser.add_argument(
        "--token", default=os.environ.get(ENV_TOKEN), help=f"bearer token (default: ${ENV_TOKEN})"
    )


def add_design_command(
    subparsers: Any, name: str, *, summary: str, description: str
) -> argparse.ArgumentParser:
    """A command that speaks to one design through the gateway: ``NAMESPACE/NAME`` first, then
    the gateway options."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=summary, description=description
    )
    parser.add_argument("design", metavar="NAMESPACE/NAME")
    add_gateway_options(parser)
    return parser


def register(subparsers: Any) -> None:
    parser = add_design_command(
        subparsers,
        "watch",
        summary="follow a design's live progress",
        description="Follow a design's events through the gateway until its run is done.",
    )
    parser.add_argument("--json", action="store_true", help="print each event as JSON on stdout")
    parser.add_argument(
        "--follow", action="store_true", help="keep following after the run's 'done' event"
    )
    parser.add_argument(
        "--give-up-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="stop when the gateway stays unreachable this long (default: 60)",
    )


def describe(event: str, data: dict[str, Any]) -> str:
    """One line for a stream entry: the shared line of its event (event_lines)."""
    try:
        parsed = event_from_dict({**data, "type": event})
    except EventSchemaError as error:  # a writer that breaks the schema: show, do not stop
        return f"[yellow]! {escape(event)}: {escape(str(error))}[/]"
    return event_lines.describe(parsed)


async def _watch(args: argparse.Namespace, console: Console) -> int:
    from autcloud.gateway.client import GatewayClient, GatewayError

    client = GatewayClient(args.gateway, args.token)
    outcome = 0
    try:
        async for event in client.follow(
            args.design, until_done=not args.follow, give_up_after_s=args.give_up_after
        ):
            try:
                data = json.loads(event.data) if event.data else {}
            except json.JSONDecodeError:
                data = {"raw": event.data}
            if args.json:
                print(json.dumps({"id": event.id, "event": event.event, "data": data}), flush=True)
            console.print(describe(event.event, data if isinstance(data, dict) else {}))
            if event.event == "done":
                outcome = 0 if data.get("ok") else EXIT_FAILED
    except GatewayError as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_UNREACHABLE if exc.status == 0 else EXIT_REFUSED
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    return outcome


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True, highlight=False)
    return asyncio.run(_watch(args, console))
