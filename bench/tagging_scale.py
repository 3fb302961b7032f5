"""Tagging at scale: enforce a project tag on N resources of a moto server.

Usage: .venv/bin/python bench/tagging_scale.py [--resources 2000]

Seeds N untagged resources (security groups, volumes and DynamoDB tables, which the tagging
API accepts), runs one enforce reconcile and prints the TagResources calls against the
minimum ceil(N/20), every API call made, and the wall time; then an idempotent re-run.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package (moto server)

from autcloud.accounts import AwsClients, reconcile_project_tag
from tests.accounts.seed import Aws
from tests.scanner.conftest import REGION, start_moto, stop


def seed(aws: Aws, count: int) -> None:
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for n in range(count):
        aws.ec2.create_security_group(GroupName=f"bench-{n}", Description="bench", VpcId=vpc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=2000)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_PROFILE", None)
    server = start_moto()
    try:
        started = time.perf_counter()
        seed(Aws(server.url, REGION), args.resources)
        print(f"seeded {args.resources} security groups in {time.perf_counter() - started:.1f} s")
        spec = {
            "tag": {"key": "Project", "value": "bench"},
            "regions": [REGION],
            "mode": "enforce",
            "resourceKinds": ["ec2:security-group"],
        }
        for label in ("enforce", "re-run (idempotent)"):
            clients = AwsClients(endpoint_url=server.url)
            started = time.perf_counter()
            result = reconcile_project_tag(spec, clients=clients)
            elapsed = time.perf_counter() - started
            tagged = len(result.newly_tagged)
            calls = clients.operations("tagging:TagResources")
            print(
                f"{label}: matched {len(result.matched)}, tagged {tagged}, failed {len(result.failed)}; "
                f"TagResources calls {calls} (minimum {math.ceil(tagged / 20)}); "
                f"all API calls {clients.counter.total}, HTTP requests {clients.counter.http_requests}; "
                f"{elapsed:.1f} s"
            )
    finally:
        stop(server)


if __name__ == "__main__":
    main()
