"""``autcloud monitor (--tag KEY=VALUE --region R | --arn ARN) [--json]``

Reads the CloudWatch metrics of the resources carrying the tag (or the given ARNs) over the
last 24 hours and prints the latest readings and the insights (idle, over/under-provisioned,
low storage, Lambda errors and throttles, ALB 5xx, cache evictions, queue backlog), each with
its evidence, a suggested change and a follow-up an InfraDesign conversation can take.

Exit codes: 0 done, 2 usage error, 3 failed (credentials, permissions, endpoint).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from autcloud.accounts import reconcile_monitor_target
from autcloud.commands.aws_options import parse_tag, reconcile_once
from autcloud.commands.parsers import add_command

EXIT_DONE = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(subparsers, "monitor", doc=__doc__)


def spec_from_args(args: argparse.Namespace) -> dict[str, Any]:
    if bool(args.tag) == bool(args.arn):
        raise ValueError("give exactly one of --tag KEY=VALUE (with --region) or --arn ARN")
    spec: dict[str, Any] = {"defaultMetricSets": not args.no_default_metrics}
    if args.tag:
        tag = parse_tag(args.tag)
        if not args.region:
            raise ValueError(
                "--tag needs --region: the region(s) to search, e.g. --region eu-west-1"
            )
        spec["selector"] = {"tag": tag}
        spec["regions"] = args.region
    else:
        spec["arns"] = args.arn
    return spec


def run(args: argparse.Namespace) -> int:
    reconciled = reconcile_once("monitor", args, spec_from_args, reconcile_monitor_target)
    if isinstance(reconciled, int):
        return reconciled
    result, clients = reconciled
    if args.json:
        output = {
            "counts": result.status_patch["counts"],
            "readings": result.status_patch["readings"],
            "insights": [
                {**insight.as_status(), "followUp": insight.follow_up}
                for insight in result.insights
            ],
            "summary": result.summary,
            "apiCalls": clients.counter.total,
            "warnings": result.warnings,
        }
        print(json.dumps(output, indent=2))
    else:
        for reading in result.readings:
            print(
                f"{reading.resource}  {reading.metric}:{reading.stat} = {reading.value:g} {reading.unit}".rstrip()
            )
        for insight in result.insights:
            print(
                f"{insight.kind}: {insight.resource} — {insight.metric} = {insight.value:.4g} over "
                f"{insight.window} (threshold {insight.threshold:g})\n  {insight.suggestion}"
            )
        print(result.summary)
    for warning in result.warnings:
        print(f"autcloud monitor: {warning}", file=sys.stderr)
    return EXIT_DONE
