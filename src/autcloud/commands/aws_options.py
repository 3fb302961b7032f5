"""What the AWS-reading commands (tags, monitor) share: their options and their start-up."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError

from autcloud.accounts import AwsClients

SpecBuilder = Callable[[argparse.Namespace], dict[str, Any]]


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="the AWS profile to use (default: the usual chain)")
    parser.add_argument("--endpoint-url", help="an AWS-compatible endpoint (default: botocore's)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON to stdout")


def start(
    command: str, args: argparse.Namespace, build_spec: SpecBuilder
) -> tuple[dict[str, Any], AwsClients] | None:
    """Logging on stderr, the spec from the arguments and the AWS clients; None after printing
    a usage error that names the argument."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        spec = build_spec(args)
        clients = AwsClients(
            boto3.Session(profile_name=args.profile), endpoint_url=args.endpoint_url
        )
    except (ValueError, BotoCoreError) as error:
        print(f"autcloud {command}: {error}", file=sys.stderr)
        return None
    return spec, clients
