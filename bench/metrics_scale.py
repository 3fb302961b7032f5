"""Metric collection at scale: read the default metrics of N resources from a moto server.

Usage: .venv/bin/python bench/metrics_scale.py [--resources 500]

Seeds one data point per metric for N EC2 instances (4 default metrics each), runs one
MonitorTarget reconcile by ARN and prints GetMetricData calls against the minimum
ceil(queries/500), readings, insights and wall time.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package (moto server)

from autcloud.accounts import AwsClients, MetricsRegistry, reconcile_monitor_target
from tests.accounts.seed import ACCOUNT, Aws
from tests.scanner.conftest import REGION, start_moto, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=500)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_PROFILE", None)
    server = start_moto()
    try:
        aws, now = Aws(server.url, REGION), datetime.now(UTC)
        ids = [f"i-{n:017x}" for n in range(args.resources)]
        started = time.perf_counter()
        for start in range(0, len(ids), 20):
            aws.cloudwatch.put_metric_data(
                Namespace="AWS/EC2",
                MetricData=[
                    {
                        "MetricName": "CPUUtilization",
                        "Dimensions": [{"Name": "InstanceId", "Value": i}],
                        "Value": float(n % 100),
                        "Timestamp": now - timedelta(minutes=3),
                    }
                    for n, i in enumerate(ids[start : start + 20], start)
                ],
            )
        print(f"seeded {len(ids)} instances' CPU in {time.perf_counter() - started:.1f} s")
        arns = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{i}" for i in ids]
        clients, registry = AwsClients(endpoint_url=server.url), MetricsRegistry()
        started = time.perf_counter()
        result = reconcile_monitor_target(
            {"arns": arns}, clients=clients, registry=registry, owner="bench"
        )
        elapsed = time.perf_counter() - started
        queries = len(arns) * 4
        calls = clients.operations("monitoring:GetMetricData")
        print(
            f"{len(arns)} resources, {queries} queries: GetMetricData calls {calls} "
            f"(minimum {math.ceil(queries / 500)}); {len(result.readings)} readings, "
            f"{len(result.insights)} insights; {elapsed:.1f} s; /metrics {len(registry.exposition())} bytes"
        )
    finally:
        stop(server)


if __name__ == "__main__":
    main()
