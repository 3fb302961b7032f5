"""What the AWS-reading commands (scan, tags, monitor) share: logging, start-up, ``--tag``.

Their common options (``--profile``, ``--endpoint-url``) are the ``aws`` option set of
commands.yaml."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError

from autcloud.accounts.conditions import AccountResult
from autcloud.aws import AwsClients

SpecBuilder = Callable[[argparse.Namespace], dict[str, Any]]
EXIT_USAGE = 2
EXIT_FAILED = 3

R = TypeVar("R", bound=AccountResult)


def log_to_stderr() -> None:
    """Progress on stderr as plain lines; botocore's own chatter only from warnings up."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("botocore").setLevel(logging.WARNING)


def parse_tag(text: str) -> dict[str, str]:
    """``--tag KEY=VALUE`` as the spec's ``{"key", "value"}`` (VALUE may be empty)."""
    key, sep, value = text.partition("=")
    if not key.strip() or not sep:
        raise ValueError(f"--tag {text!r}: give KEY=VALUE, e.g. --tag Project=checkout")
    return {"key": key.strip(), "value": value}


def reconcile_once(
    command: str,
    args: argparse.Namespace,
    build_spec: SpecBuilder,
    reconcile: Callable[..., R],
    *,
    usage_reasons: Collection[str] = ("InvalidSpec",),
) -> tuple[R, AwsClients] | int:
    """Logging on stderr, the spec from the arguments (with ``--endpoint-url`` as its
    ``endpointURL``), the AWS clients and one ``reconcile(spec, clients=...)``. The exit code
    instead, after printing what went wrong: EXIT_USAGE for an argument or a failure whose
    reason is one of ``usage_reasons``, else EXIT_FAILED."""
    log_to_stderr()
    try:
        spec = build_spec(args)
        if args.endpoint_url:
            spec["endpointURL"] = args.endpoint_url
        clients = AwsClients(
            boto3.Session(profile_name=args.profile), endpoint_url=args.endpoint_url
        )
    except (ValueError, BotoCoreError) as error:
        print(f"autcloud {command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    result = reconcile(spec, clients=clients)
    if result.failure is not None:
        print(f"autcloud {command}: {result.failure.message}", file=sys.stderr)
        return EXIT_USAGE if result.failure.reason in usage_reasons else EXIT_FAILED
    return result, clients
