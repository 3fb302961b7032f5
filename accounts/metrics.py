"""The Prometheus metrics the operator serves on ``/metrics``: readings and its own health.

One :class:`MetricsRegistry` per operator process. The MonitorTarget reconcile publishes the
readings of each target (replacing that target's previous series, so deleted resources and
deleted targets leave ``/metrics``); the operator's handlers update the health metrics.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
READING_LABELS = ("project", "resource", "kind", "metric", "stat")


@dataclass(frozen=True)
class Reading:
    """The latest value of one metric of one resource."""

    resource: str  # the ARN
    kind: str  # ec2:instance, ...
    namespace: str
    name: str
    stat: str
    value: float
    unit: str = ""

    @property
    def metric(self) -> str:
        return f"{self.namespace}/{self.name}"


class MetricsRegistry:
    """A ``CollectorRegistry`` with AutCloud's metrics; thread-safe."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.resource_metric = Gauge(
            "autcloud_resource_metric",
            "Latest CloudWatch reading of a watched resource (metric is Namespace/Name).",
            READING_LABELS,
            registry=r,
        )
        self.insights = Gauge(
            "autcloud_insights",
            "Insights found in the last collection, by project and insight kind.",
            ("project", "kind"),
            registry=r,
        )
        self.reconcile_duration = Histogram(
            "autcloud_reconcile_duration_seconds",
            "Time one reconcile took, by resource kind (InfraDesign, ProjectTag, MonitorTarget).",
            ("kind",),
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            registry=r,
        )
        self.reconcile_errors = Counter(
            "autcloud_reconcile_errors",
            "Reconciles that ended in an error, by resource kind and reason.",
            ("kind", "reason"),
            registry=r,
        )
        self.runs_in_flight = Gauge(
            "autcloud_runs_in_flight",
            "Reconciles running now, by resource kind.",
            ("kind",),
            registry=r,
        )
        self.redis_errors = Counter(
            "autcloud_redis_errors",
            "Failed Redis operations, by operation.",
            ("operation",),
            registry=r,
        )
        self.kubernetes_api_errors = Counter(
            "autcloud_kubernetes_api_errors",
            "Failed Kubernetes API requests, by verb and HTTP status (or error class).",
            ("verb", "code"),
            registry=r,
        )
        self.aws_api_calls = Counter(
            "autcloud_aws_api_calls",
            "AWS API operations made by reconciles, by resource kind.",
            ("kind",),
            registry=r,
        )
        self._lock = threading.Lock()
        self._series: dict[str, set[tuple[str, ...]]] = {}
        self._insight_series: dict[str, set[tuple[str, ...]]] = {}

    def publish_readings(self, owner: str, project: str, readings: Iterable[Reading]) -> None:
        """Replace ``owner``'s reading series (``owner``: e.g. ``namespace/name`` of the target)."""
        with self._lock:
            fresh: set[tuple[str, ...]] = set()
            for reading in readings:
                labels = (project, reading.resource, reading.kind, reading.metric, reading.stat)
                self.resource_metric.labels(*labels).set(reading.value)
                fresh.add(labels)
            for stale in self._series.get(owner, set()) - fresh:
                self.resource_metric.remove(*stale)
            self._series[owner] = fresh

    def publish_insights(self, owner: str, project: str, kinds: Iterable[str]) -> None:
        counts: dict[str, int] = {}
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
        with self._lock:
            fresh: set[tuple[str, ...]] = {(project, kind) for kind in counts}
            for stale in self._insight_series.get(owner, set()) - fresh:
                self.insights.remove(*stale)
            for kind, count in counts.items():
                self.insights.labels(project, kind).set(count)
            self._insight_series[owner] = fresh

    def forget(self, owner: str) -> None:
        """Drop every series of a deleted target."""
        self.publish_readings(owner, "", ())
        self.publish_insights(owner, "", ())
        with self._lock:
            self._series.pop(owner, None)
            self._insight_series.pop(owner, None)

    @contextmanager
    def reconcile(self, kind: str) -> Iterator[None]:
        """Time a reconcile, count it in flight, and count an exception as an error."""
        in_flight = self.runs_in_flight.labels(kind)
        in_flight.inc()
        started = time.perf_counter()
        try:
            yield
        except BaseException as error:
            self.reconcile_errors.labels(kind, type(error).__name__).inc()
            raise
        finally:
            self.reconcile_duration.labels(kind).observe(time.perf_counter() - started)
            in_flight.dec()

    def exposition(self) -> bytes:
        """The text format ``/metrics`` answers with (content type :data:`CONTENT_TYPE`)."""
        return generate_latest(self.registry)
