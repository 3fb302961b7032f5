"""``autcloud tags report|apply --tag KEY=VALUE --region R [--kinds ...] [--json]``

``report`` lists the resources that lack the tag and the exact changes ``apply`` would make;
``apply`` makes them (adding the tag where the key is missing; ``--overwrite`` also replaces a
different value). Selectors narrow the scan: ``--vpc``, ``--name-pattern`` (RE2), ``--arn``.
Credentials and endpoints come from the usual AWS settings (``AWS_PROFILE``, ...).

Exit codes: 0 done, 2 usage error, 3 failed (credentials, permissions, endpoint), 5 applied,
but some resources could not be tagged (listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from autcloud.accounts import reconcile_project_tag
from autcloud.accounts.arns import SUPPORTED_KINDS
from autcloud.commands.aws_options import parse_tag, reconcile_once
from autcloud.commands.parsers import add_command

EXIT_DONE = 0
EXIT_PARTIAL = 5


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(
        subparsers, "tags", doc=__doc__, values={"SUPPORTED_KINDS": ", ".join(SUPPORTED_KINDS)}
    )


def spec_from_args(args: argparse.Namespace) -> dict[str, Any]:
    selectors: dict[str, Any] = {}
    if args.vpc:
        selectors["vpcIds"] = args.vpc
    if args.name_pattern:
        selectors["namePattern"] = args.name_pattern
    if args.arn:
        selectors["arns"] = args.arn
    spec: dict[str, Any] = {
        "tag": parse_tag(args.tag),
        "regions": args.region,
        "mode": "enforce" if args.action == "apply" else "report",
        "overwrite": "always" if args.overwrite else "never",
        "selectors": selectors,
    }
    if args.kinds:
        spec["resourceKinds"] = args.kinds
    return spec


def run(args: argparse.Namespace) -> int:
    reconciled = reconcile_once(
        "tags",
        args,
        spec_from_args,
        reconcile_project_tag,
        usage_reasons=("InvalidSpec", "InvalidSelector"),
    )
    if isinstance(reconciled, int):
        return reconciled
    result, clients = reconciled
    status = result.status_patch
    if args.json:
        output = {
            "action": args.action,
            "counts": status["counts"],
            "untagged": [
                {
                    "arn": u.resource.arn,
                    "kind": u.resource.kind,
                    "region": u.resource.region,
                    "currentValue": u.current_value,
                }
                for u in result.untagged
            ],
            "plannedChanges": [{"arn": arn, "add": add} for arn, add in result.planned.items()],
            "tagged": result.newly_tagged,
            "failed": [
                {"arn": f.arn, "reason": f.reason, "message": f.message}
                for f in result.failed.values()
            ],
            "apiCalls": clients.counter.total,
            "warnings": result.warnings,
        }
        print(json.dumps(output, indent=2))
    else:
        counts = status["counts"]
        for entry in result.untagged:
            note = f" (has {entry.current_value!r})" if entry.current_value is not None else ""
            print(f"untagged  {entry.resource.arn}{note}")
        for arn in result.newly_tagged:
            print(f"tagged    {arn}")
        for failure in result.failed.values():
            print(f"failed    {failure.arn}: {failure.reason}")
        print(
            f"{counts['matched']} matched, {counts['tagged']} carry {args.tag}, {counts['untagged']} "
            f"do not, {counts['failed']} failed; {len(result.planned)} changes "
            f"{'applied' if args.action == 'apply' else 'planned'}"
        )
    for warning in result.warnings:
        print(f"autcloud tags: {warning}", file=sys.stderr)
    return EXIT_PARTIAL if result.failed else EXIT_DONE
