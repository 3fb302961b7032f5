"""Scan speed: seed >= 1,000 resources into a moto server, scan, and print the cost.

Usage: .venv/bin/python bench/scan_speed.py [--resources 1000] [--concurrency 1,8]

Prints wall time, API calls (one per boto3 operation) and HTTP requests (retries included),
for each concurrency, then the time to write the export (Terraform, inventory, diagram).
Figures from a moto server measure the scanner's own overhead and call pattern; a real
account adds network latency per call, which is what the concurrency hides.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package (seeding)

from autcloud.scanner import ScanOptions, scan, write_scan
from tests.scanner.conftest import REGION, start_moto, stop
from tests.scanner.seed import seed_account

PER_STACK = 35  # objects one seeded stack creates (the seeding prints the real total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,8")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_PROFILE", None)
    server = start_moto()
    try:
        started = time.perf_counter()
        stacks = -(-args.resources // PER_STACK)
        seeded = seed_account(server.url, REGION, stacks=stacks)
        print(
            f"seeded {seeded.total} resources ({stacks} stacks) in {time.perf_counter() - started:.1f} s"
        )
        result = None
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            options = ScanOptions(region=REGION, endpoint_url=server.url, concurrency=concurrency)
            result = scan(options)
            print(
                f"scan concurrency={concurrency}: {len(result.resources)} found in "
                f"{result.duration_s:.2f} s, {result.api_calls} API calls, "
                f"{result.http_requests} HTTP requests, {len(result.failures)} failed kinds"
            )
        assert result is not None
        folder = Path(tempfile.mkdtemp()) / "out"
        started = time.perf_counter()
        written = write_scan(result, folder)
        print(
            f"export: {len(written.addresses)} resources, {len(written.files)} files "
            f"(Terraform, inventory, diagram) in {time.perf_counter() - started:.2f} s"
        )
        top = result.operations.most_common(5)
        print("most called: " + ", ".join(f"{name} {count}" for name, count in top))
        shutil.rmtree(folder.parent, ignore_errors=True)
    finally:
        stop(server)


if __name__ == "__main__":
    main()
