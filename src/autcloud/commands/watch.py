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
from autcloud.commands.parsers import add_command
from autcloud.events import EventSchemaError, event_from_dict

ENV_URL = "AUTCLOUD_GATEWAY_URL"
ENV_TOKEN = "AUTCLOUD_GATEWAY_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8080"
EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE = 1, 2, 3, 4


def gateway_client_values() -> dict[str, str | None]:
    """The values of the ``gateway_client`` option set (commands.yaml) of watch and say: the
    gateway and the token from the environment when set there."""
    return {
        "ENV_URL": ENV_URL,
        "ENV_TOKEN": ENV_TOKEN,
        "DEFAULT_URL": DEFAULT_URL,
        "gateway_url": os.environ.get(ENV_URL, DEFAULT_URL),
        "gateway_token": os.environ.get(ENV_TOKEN),
    }


def register(subparsers: Any) -> None:
    add_command(subparsers, "watch", values=gateway_client_values())


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
