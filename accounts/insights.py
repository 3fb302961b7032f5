"""Turn collected series into insights with evidence and a concrete suggested change.

Each rule reads one kind's series over the collection window, compares an aggregate with its
threshold from ``spec.thresholds`` and, when it trips, says what to change — as a sentence for
status and as a ``change`` text an InfraDesign conversation can take (``follow_up``).

CPU percentiles are computed here from the 5-minute maxima (the 99th percentile of those
maxima), so no extended statistics are requested: they cost more, and emulators lack them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from autcloud.accounts.arns import parse_arn
from autcloud.accounts.collector import WINDOW_LABEL, Series
from autcloud.accounts.specs import Thresholds

GIB = 1024**3


@dataclass(frozen=True)
class Insight:
    kind: str  # the CRD's enum: Idle, OverProvisioned, ...
    resource: str
    metric: str
    window: str
    value: float
    threshold: float
    suggestion: str
    follow_up: str  # an InfraDesign conversation ``change`` entry's text

    def as_status(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "resource": self.resource,
            "evidence": {
                "metric": self.metric,
                "window": self.window,
                "value": round(self.value, 6),
                "threshold": self.threshold,
            },
            "suggestion": self.suggestion[:1000],
        }


@dataclass(frozen=True)
class Facts:
    """One resource's series by metric label (``AWS/EC2/CPUUtilization:Maximum``)."""

    arn: str
    kind: str
    series: Mapping[str, Series]
    allocated_storage_gib: float | None = None

    def values(self, label: str) -> list[float]:
        found = self.series.get(label)
        return list(found.values) if found else []

    def latest(self, label: str) -> float | None:
        found = self.series.get(label)
        point = found.latest if found else None
        return point[1] if point else None

    @property
    def short(self) -> str:
        return parse_arn(self.arn).resource_id

    def insight(
        self,
        kind: str,
        metric: str,
        value: float,
        threshold: float,
        suggestion: str,
        follow_up: str,
    ) -> Insight:
        """An insight about this resource, over the collection window."""
        return Insight(
            kind, self.arn, metric, WINDOW_LABEL, value, threshold, suggestion, follow_up
        )


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0-1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return ordered[min(len(ordered), rank) - 1]


_CPU_NAMESPACE = {
    "ec2:instance": "AWS/EC2",
    "rds:db": "AWS/RDS",
    "elasticache:cluster": "AWS/ElastiCache",
}
_WHAT = {
    "ec2:instance": "EC2 instance",
    "rds:db": "RDS instance",
    "elasticache:cluster": "ElastiCache cluster",
}


def _cpu(facts: Facts, t: Thresholds) -> list[Insight]:
    namespace = _CPU_NAMESPACE.get(facts.kind)
    if namespace is None:
        return []
    what = f"{_WHAT[facts.kind]} {facts.short}"
    maxima = facts.values(f"{namespace}/CPUUtilization:Maximum")
    averages = facts.values(f"{namespace}/CPUUtilization:Average")
    found: list[Insight] = []
    if maxima and max(maxima) < t.idle_cpu_percent and facts.kind != "elasticache:cluster":
        peak = max(maxima)
        found.append(
            facts.insight(
                "Idle",
                f"{namespace}/CPUUtilization:Maximum",
                peak,
                t.idle_cpu_percent,
                f"{what} is idle: its CPU never exceeded {peak:.1f}% in {WINDOW_LABEL}. Stop or delete it, "
                "or schedule it to run only when needed.",
                f"Remove the idle {what} (peak CPU {peak:.1f}% over {WINDOW_LABEL}), or stop it outside working hours.",
            )
        )
    elif maxima and percentile(maxima, 0.99) < t.over_provisioned_cpu_percent:
        p99 = percentile(maxima, 0.99)
        found.append(
            facts.insight(
                "OverProvisioned",
                f"{namespace}/CPUUtilization:p99",
                p99,
                t.over_provisioned_cpu_percent,
                f"{what} is over-provisioned: its p99 CPU was {p99:.1f}% over {WINDOW_LABEL}. Move it to the "
                "next smaller size of its instance class (half the vCPUs), or to a Graviton class.",
                f"Downsize the {what} to the next smaller instance size (p99 CPU {p99:.1f}% over {WINDOW_LABEL}).",
            )
        )
    if averages and sum(averages) / len(averages) > t.under_provisioned_cpu_percent:
        mean = sum(averages) / len(averages)
        found.append(
            facts.insight(
                "UnderProvisioned",
                f"{namespace}/CPUUtilization:Average",
                mean,
                t.under_provisioned_cpu_percent,
                f"{what} is under-provisioned: its average CPU was {mean:.1f}% over {WINDOW_LABEL}. Move it to "
                "the next larger size of its instance class, or scale out behind a load balancer.",
                f"Upsize the {what} to the next larger instance size (average CPU {mean:.1f}% over {WINDOW_LABEL}).",
            )
        )
    return found


def _storage(facts: Facts, t: Thresholds) -> list[Insight]:
    if facts.kind != "rds:db" or not facts.allocated_storage_gib:
        return []
    free = facts.values("AWS/RDS/FreeStorageSpace:Minimum")
    if not free:
        return []
    percent = min(free) / (facts.allocated_storage_gib * GIB) * 100
    if percent >= t.low_free_storage_percent:
        return []
    grow = max(20, int(facts.allocated_storage_gib * 0.5))
    return [
        facts.insight(
            "LowStorage",
            "AWS/RDS/FreeStorageSpace:Minimum (% of allocated)",
            percent,
            t.low_free_storage_percent,
            f"RDS instance {facts.short} has {percent:.1f}% free storage left. Add {grow} GiB of storage "
            "and enable storage autoscaling (max_allocated_storage).",
            f"Increase the allocated storage of RDS instance {facts.short} by {grow} GiB and enable storage autoscaling.",
        )
    ]


def _ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float | None:
    total = sum(denominator)
    return sum(numerator) / total if total > 0 else None


def _lambda_errors(facts: Facts, t: Thresholds) -> list[Insight]:
    if facts.kind != "lambda:function":
        return []
    ratio = _ratio(
        facts.values("AWS/Lambda/Errors:Sum"), facts.values("AWS/Lambda/Invocations:Sum")
    )
    if ratio is None or ratio <= t.lambda_error_ratio:
        return []
    return [
        facts.insight(
            "LambdaErrors",
            "AWS/Lambda/Errors:Sum / Invocations:Sum",
            ratio,
            t.lambda_error_ratio,
            f"Lambda function {facts.short} failed {ratio:.1%} of its invocations. Read its logs, add a "
            "dead-letter queue (or an on-failure destination) and an alarm on Errors.",
            f"Add a dead-letter queue and an Errors alarm to Lambda function {facts.short} ({ratio:.1%} of invocations failed).",
        )
    ]


def _alb(facts: Facts, t: Thresholds) -> list[Insight]:
    if facts.kind != "elasticloadbalancing:loadbalancer":
        return []
    errors = facts.values("AWS/ApplicationELB/HTTPCode_ELB_5XX_Count:Sum") + facts.values(
        "AWS/ApplicationELB/HTTPCode_Target_5XX_Count:Sum"
    )
    ratio = _ratio(errors, facts.values("AWS/ApplicationELB/RequestCount:Sum"))
    if ratio is None or ratio <= t.alb_5xx_ratio:
        return []
    name = facts.short.split("/")[1] if "/" in facts.short else facts.short
    return [
        facts.insight(
            "Alb5xx",
            "AWS/ApplicationELB/HTTPCode_*_5XX_Count:Sum / RequestCount:Sum",
            ratio,
            t.alb_5xx_ratio,
            f"Load balancer {name} answered {ratio:.1%} of requests with 5xx. Check the targets' health "
            "and logs, and add a 5xx-ratio alarm and more targets (a larger minimum in the Auto Scaling group).",
            f"Add a 5xx alarm and raise the minimum capacity behind load balancer {name} ({ratio:.1%} 5xx over {WINDOW_LABEL}).",
        )
    ]


@dataclass(frozen=True)
class _CountRule:
    """A count of one kind's resource over its threshold: the window's ``Sum`` points added
    up, or (``latest``) the newest reading. ``suggestion`` and ``follow_up`` are formatted
    with ``short`` (the resource's ID), ``value`` and ``window``."""

    kind: str
    insight: str
    metric: str
    threshold: Callable[[Thresholds], float]
    suggestion: str
    follow_up: str
    latest: bool = False

    def __call__(self, facts: Facts, t: Thresholds) -> list[Insight]:
        if facts.kind != self.kind:
            return []
        value = facts.latest(self.metric) if self.latest else sum(facts.values(self.metric))
        limit = float(self.threshold(t))
        if value is None or value <= limit:
            return []
        words = {"short": facts.short, "value": value, "window": WINDOW_LABEL}
        return [
            facts.insight(
                self.insight,
                self.metric,
                value,
                limit,
                self.suggestion.format(**words),
                self.follow_up.format(**words),
            )
        ]


_COUNT_RULES = (
    _CountRule(
        "lambda:function",
        "LambdaThrottles",
        "AWS/Lambda/Throttles:Sum",
        lambda t: t.lambda_throttles,
        "Lambda function {short} was throttled {value:.0f} times. Raise its reserved "
        "concurrency (or the account's concurrency quota), or put a queue in front of it.",
        "Raise the reserved concurrency of Lambda function {short} ({value:.0f} throttles in {window}).",
    ),
    _CountRule(
        "elasticache:cluster",
        "CacheEvictions",
        "AWS/ElastiCache/Evictions:Sum",
        lambda t: t.cache_evictions,
        "Cache {short} evicted {value:.0f} keys: it is out of memory. Move to the next larger "
        "node type, or add shards, and review key TTLs.",
        "Move ElastiCache cluster {short} to the next larger node type ({value:.0f} evictions in {window}).",
    ),
    _CountRule(
        "sqs:queue",
        "QueueBacklog",
        "AWS/SQS/ApproximateNumberOfMessagesVisible:Maximum",
        lambda t: t.queue_backlog,
        "Queue {short} has {value:.0f} messages waiting. Add consumers (scale the workers on "
        "queue depth) and an alarm on ApproximateAgeOfOldestMessage.",
        "Scale the consumers of SQS queue {short} on queue depth ({value:.0f} messages waiting).",
        latest=True,
    ),
)


RULES: tuple[Callable[[Facts, Thresholds], list[Insight]], ...] = (
    _cpu,
    _storage,
    _lambda_errors,
    _alb,
    *_COUNT_RULES,
)


def find_insights(facts: Sequence[Facts], thresholds: Thresholds) -> list[Insight]:
    return [insight for item in facts for rule in RULES for insight in rule(item, thresholds)]
