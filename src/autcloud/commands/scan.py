"""``autcloud scan --region R [--tag KEY=VALUE] --out DIR [--force] [--json]``

Reads an AWS account (read-only calls) and writes DIR: Terraform for what was found, with
``import {}`` blocks (Terraform >= 1.5) so ``terraform plan`` adopts instead of creating,
``inventory.json`` (everything found, what was not exported and why) and the diagram
(``diagram.json``, ``diagram.svg``). Credentials and endpoints come from the usual AWS settings
(``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ...).

Exit codes: 0 scanned, 2 usage error, 3 scan failed (bad credentials, unreachable endpoint:
nothing written), 5 written, but some kinds could not be scanned (listed in inventory.json).
"""

from __future__ import annotations

import argparse
import json
import sys

from autcloud.commands.aws_options import log_to_stderr
from autcloud.commands.parsers import add_command
from autcloud.scanner import (
    OutputFolderError,
    ScanError,
    ScanOptions,
    TagFilter,
    check_output_folder,
    scan,
    write_scan,
)

EXIT_SCANNED = 0
EXIT_USAGE = 2
EXIT_FAILED = 3
EXIT_INCOMPLETE = 5


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(subparsers, "scan", doc=__doc__)


def run(args: argparse.Namespace) -> int:
    log_to_stderr()
    try:
        options = ScanOptions(
            region=args.region,
            tag=TagFilter.parse(args.tag) if args.tag else None,
            concurrency=args.concurrency,
            profile=args.profile,
            endpoint_url=args.endpoint_url,
            include_global=not args.no_global,
        )
        options.validate()
        check_output_folder(args.out, replace=args.force)
    except (ValueError, OutputFolderError) as error:
        print(f"autcloud scan: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = scan(options)
        written = write_scan(result, args.out, replace=args.force)
    except ScanError as error:
        print(f"autcloud scan: {error}; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    exported = len(written.addresses)
    summary = {
        "folder": str(written.folder),
        "region": result.region,
        "account": result.account,
        "found": len(result.resources),
        "exported": exported,
        "not_exported": len(result.resources) - exported,
        "failed_kinds": [failure.kind for failure in result.failures],
        "api_calls": result.api_calls,
        "seconds": round(result.duration_s, 2),
        "files": written.files,
        "warnings": written.warnings,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"{exported} resources exported, {summary['not_exported']} listed only, "
            f"{result.api_calls} API calls in {summary['seconds']} s → {written.folder}"
        )
    for failure in result.failures:
        print(f"autcloud scan: could not scan {failure.kind}: {failure.code}", file=sys.stderr)
    for warning in written.warnings:
        print(f"autcloud scan: {warning}", file=sys.stderr)
    return EXIT_INCOMPLETE if result.failures else EXIT_SCANNED
