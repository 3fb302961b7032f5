"""Read CloudWatch metrics with ``GetMetricData``, 500 queries a call (its limit).

Each (resource, metric) is one query over the collection window; the answer is a series of
data points per period. The latest point is the reading; the whole series feeds the insights.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from autcloud.accounts.arns import parse_arn
from autcloud.accounts.metric_sets import DEFAULT_SETS, MetricDef, dimension_value
from autcloud.accounts.specs import MetricRequest
from autcloud.aws import AwsClients, pages

QUERIES_PER_CALL = 500  # GetMetricData's limit of MetricDataQueries per request
WINDOW = timedelta(hours=24)
WINDOW_LABEL = "24h"


@dataclass(frozen=True)
class Target:
    arn: str
    kind: str
    region: str


@dataclass(frozen=True)
class Query:
    target: Target
    metric: MetricDef
    dimensions: tuple[tuple[str, str], ...]


@dataclass
class Series:
    query: Query
    timestamps: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def latest(self) -> tuple[datetime, float] | None:
        if not self.values:
            return None
        newest = max(range(len(self.values)), key=lambda i: self.timestamps[i])
        return self.timestamps[newest], self.values[newest]


def queries_for(
    targets: Iterable[Target], *, default_sets: bool, extra: Sequence[MetricRequest]
) -> list[Query]:
    queries: list[Query] = []
    for target in targets:
        kind_set = DEFAULT_SETS[target.kind]
        own = (kind_set.dimension, dimension_value(parse_arn(target.arn)))
        if default_sets:
            queries.extend(Query(target, m, (own,)) for m in kind_set.metrics)
        for request in extra:
            # An AWS namespace applies to its own kind; a custom namespace to every resource.
            namespace = request.metric.namespace
            if namespace.startswith("AWS/") and namespace != kind_set.namespace:
                continue
            queries.append(Query(target, request.metric, tuple(sorted({own, *request.dimensions}))))
    return queries


def collect(
    clients: AwsClients, queries: Sequence[Query], *, now: datetime, window: timedelta = WINDOW
) -> list[Series]:
    """Every query's series; one ``GetMetricData`` call per 500 queries of a region (plus pages)."""
    by_region: dict[str, list[Query]] = {}
    for query in queries:
        by_region.setdefault(query.target.region, []).append(query)
    results: list[Series] = []
    for region, region_queries in by_region.items():
        client = clients.client("cloudwatch", region)
        for start in range(0, len(region_queries), QUERIES_PER_CALL):
            chunk = region_queries[start : start + QUERIES_PER_CALL]
            results.extend(_collect_chunk(client, chunk, now=now, window=window))
    return results


def _collect_chunk(
    client: Any, chunk: Sequence[Query], *, now: datetime, window: timedelta
) -> list[Series]:
    series = {f"q{i}": Series(query) for i, query in enumerate(chunk)}
    arguments: dict[str, Any] = {
        "MetricDataQueries": [
            {
                "Id": query_id,
                "MetricStat": {
                    "Metric": {
                        "Namespace": item.query.metric.namespace,
                        "MetricName": item.query.metric.name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in item.query.dimensions],
                    },
                    "Period": item.query.metric.period,
                    "Stat": item.query.metric.stat,
                },
                "ReturnData": True,
            }
            for query_id, item in series.items()
        ],
        "StartTime": now - window,
        "EndTime": now,
        "ScanBy": "TimestampDescending",
    }
    for result in pages(client, "get_metric_data", "MetricDataResults", **arguments):
        target = series.get(result["Id"])
        if target is not None:
            target.timestamps.extend(result.get("Timestamps", []))
            target.values.extend(float(v) for v in result.get("Values", []))
    return list(series.values())
