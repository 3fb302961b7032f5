"""Reconcile a MonitorTarget: resolve its resources, read CloudWatch, publish, find insights.

:func:`reconcile_monitor_target` takes the spec as a plain dict and returns a
:class:`MonitorTargetResult` (status patch, Events, when to run again); with a
:class:`MetricsRegistry` it also replaces the target's series on ``/metrics``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.accounts.arns import parse_arn
from autcloud.accounts.collector import Series, Target, collect, queries_for
from autcloud.accounts.conditions import AccountResult, Event, outcome_status, rfc3339
from autcloud.accounts.discovery import tagged_resources
from autcloud.accounts.errors import Failure, classify
from autcloud.accounts.insights import Facts, Insight, find_insights
from autcloud.accounts.metric_sets import MONITORED_KINDS, monitorable
from autcloud.accounts.metrics import MetricsRegistry, Reading
from autcloud.accounts.specs import InvalidSpecError, MonitorTargetSpec
from autcloud.accounts.summary import Complete, summarize
from autcloud.aws import AwsClients, Where, list_resources

log = logging.getLogger("autcloud.accounts")

READINGS_CAP = 200
INSIGHTS_CAP = 100


@dataclass
class MonitorTargetResult(AccountResult):
    """What a collection read and found."""

    targets: list[Target] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    insights: list[Insight] = field(default_factory=list)
    summary: str = ""
    warnings: list[str] = field(default_factory=list)


def resolve_targets(spec: MonitorTargetSpec, clients: AwsClients) -> tuple[list[Target], list[str]]:
    """The monitorable resources: by tag (``GetResources`` per region) or the given ARNs."""
    warnings: list[str] = []
    if spec.tag is not None:
        key, value = spec.tag
        found: list[Target] = []
        for region in spec.regions:
            for arn in tagged_resources(clients, region, MONITORED_KINDS, {key: value}):
                kind = monitorable(arn)
                if kind is not None:
                    found.append(Target(arn, kind, region))
        return found, warnings
    targets = []
    for arn in spec.arns:
        kind = monitorable(arn)
        if kind is None:
            warnings.append(
                f"{arn}: no metric set for this kind; monitored kinds are {', '.join(MONITORED_KINDS)}"
            )
            continue
        targets.append(Target(arn, kind, parse_arn(arn).region))
    return targets, warnings


def _allocated_storage(clients: AwsClients, targets: list[Target]) -> dict[str, float]:
    """RDS allocated storage (GiB) by ARN, for the free-storage share."""
    sizes: dict[str, float] = {}
    for region in sorted({t.region for t in targets if t.kind == "rds:db"}):
        # The account only names ARNs the listing builds itself; RDS answers with its own.
        for db in list_resources(Where(clients, region, account=""), "rds:db"):
            sizes[db.arn] = float(db.item.get("AllocatedStorage") or 0)
    return sizes


def reconcile_monitor_target(
    spec: Mapping[str, Any],
    *,
    clients: AwsClients,
    now: datetime | None = None,
    previous_status: Mapping[str, Any] | None = None,
    generation: int | None = None,
    registry: MetricsRegistry | None = None,
    owner: str = "",
    project: str | None = None,
    complete: Complete | None = None,
) -> MonitorTargetResult:
    """Collect once. ``owner`` keys the target's series on ``/metrics`` (e.g. ``ns/name``);
    ``project`` labels them (default: the selector's tag value, else ``owner``)."""
    now = now or datetime.now(UTC)
    previous = previous_status or {}
    try:
        parsed = MonitorTargetSpec.from_dict(spec)
    except InvalidSpecError as error:
        failure = Failure(error.reason, str(error), stalled=True)
        return MonitorTargetResult.from_failure(
            failure, previous, now=now, generation=generation, stalled_requeue_s=3600.0
        )
    interval_s = parsed.interval_minutes * 60.0
    project = project or (parsed.tag[1] if parsed.tag else owner) or "unnamed"
    result = MonitorTargetResult(status_patch={}, events=[], requeue_after_s=interval_s)
    try:
        result.targets, result.warnings = resolve_targets(parsed, clients)
        queries = queries_for(
            result.targets, default_sets=parsed.default_metric_sets, extra=parsed.metrics
        )
        series = collect(clients, queries, now=now)
        storage = _allocated_storage(clients, result.targets)
    except (ClientError, BotoCoreError) as error:
        failure = classify(error, "the collection")
        return MonitorTargetResult.from_failure(
            failure, previous, now=now, generation=generation, stalled_requeue_s=interval_s
        )
    result.readings = _readings(series)
    result.insights = find_insights(_facts(result.targets, series, storage), parsed.thresholds)
    result.summary = summarize(result.insights, len(result.targets), complete)
    if registry is not None:
        registry.publish_readings(owner, project, result.readings)
        registry.publish_insights(owner, project, [i.kind for i in result.insights])
    result.status_patch = _status(result, series, previous, now, generation, interval_s)
    result.events = _events(result, previous)
    return result


def _readings(series: list[Series]) -> list[Reading]:
    readings = []
    for item in series:
        point = item.latest
        if point is None:
            continue
        metric = item.query.metric
        readings.append(
            Reading(
                item.query.target.arn,
                item.query.target.kind,
                metric.namespace,
                metric.name,
                metric.stat,
                point[1],
                metric.unit,
            )
        )
    return readings


def _facts(
    targets: list[Target], series: list[Series], storage: Mapping[str, float]
) -> list[Facts]:
    by_arn: dict[str, dict[str, Series]] = {t.arn: {} for t in targets}
    for item in series:
        by_arn[item.query.target.arn][item.query.metric.label] = item
    return [Facts(t.arn, t.kind, by_arn[t.arn], storage.get(t.arn)) for t in targets]


def _status(
    result: MonitorTargetResult,
    series: list[Series],
    previous: Mapping[str, Any],
    now: datetime,
    generation: int | None,
    interval_s: float,
) -> dict[str, Any]:
    readings_status = []
    for item in series:
        point = item.latest
        if point is None:
            continue
        entry: dict[str, Any] = {
            "resource": item.query.target.arn,
            "metric": item.query.metric.label,
            "value": point[1],
            "timestamp": rfc3339(point[0]),
        }
        if item.query.metric.unit:
            entry["unit"] = item.query.metric.unit
        readings_status.append(entry)
    if result.targets:
        reason, message = (
            "Collected",
            f"{len(result.readings)} readings from {len(result.targets)} resources; {result.summary}",
        )
    else:
        reason, message = (
            "NoResourcesMatched",
            "No monitorable resource carries the tag (or the ARNs name none).",
        )
    return {
        "counts": {
            "resources": len(result.targets),
            "readings": len(result.readings),
            "insights": len(result.insights),
        },
        "readings": readings_status[:READINGS_CAP],
        "insights": [i.as_status() for i in result.insights[:INSIGHTS_CAP]],
        "lastCollectionTime": rfc3339(now),
        "nextCollectionTime": rfc3339(now + timedelta(seconds=interval_s)),
        **outcome_status(
            previous,
            ready=True,
            reason=reason,
            message=message,  # build_conditions clips it to the CRD's limit
            stalled=False,
            now=now,
            generation=generation,
        ),
    }


def _events(result: MonitorTargetResult, previous: Mapping[str, Any]) -> list[Event]:
    before = {(i.get("kind"), i.get("resource")) for i in previous.get("insights") or ()}
    new = [i for i in result.insights if (i.kind, i.resource) not in before]
    if not new:
        return []
    return [("Warning", "InsightsFound", f"{len(new)} new insights: {result.summary}"[:1000])]
