"""``autcloud say NAMESPACE/NAME "text"``: send a message to a design's conversation.

Prints the message's ID on stdout (with ``--json``, the gateway's whole answer).
Exit codes: 0 accepted, 2 usage error, 3 refused by the gateway, 4 gateway unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from autcloud.commands.parsers import add_command
from autcloud.commands.watch import (
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    gateway_client_values,
)


def register(subparsers: Any) -> None:
    add_command(subparsers, "say", values=gateway_client_values())


def run(args: argparse.Namespace) -> int:
    from autcloud.gateway.client import GatewayClient, GatewayError

    client = GatewayClient(args.gateway, args.token)
    try:
        answer = asyncio.run(client.send_message(args.design, args.text, args.message_id))
    except GatewayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE if exc.status == 0 else EXIT_REFUSED
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(answer) if args.json else answer["id"])
    if answer.get("duplicate"):
        print("already sent earlier with this id; not sent again", file=sys.stderr)
    return 0
