"""Which CloudWatch metrics to read for each monitored kind (``metric_sets.yaml``), and each
resource's dimension."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autcloud.accounts.arns import Arn, parse_arn
from autcloud.agent.datafile import load_yaml


@dataclass(frozen=True)
class MetricDef:
    namespace: str
    name: str
    stat: str
    period: int = 300
    unit: str = ""

    @property
    def label(self) -> str:
        """``Namespace/Name:Stat``, as status.readings[].metric and the evidence name it."""
        return f"{self.namespace}/{self.name}:{self.stat}"


@dataclass(frozen=True)
class KindMetrics:
    namespace: str
    dimension: str
    metrics: tuple[MetricDef, ...]


def _kind_metrics(entry: dict[str, Any]) -> KindMetrics:
    namespace = str(entry["namespace"])
    return KindMetrics(
        namespace,
        str(entry["dimension"]),
        tuple(MetricDef(namespace, name, stat, unit=unit) for name, stat, unit in entry["metrics"]),
    )


# The default metric set of each kind: what the insights need, plus the usual health signals.
DEFAULT_SETS: dict[str, KindMetrics] = {
    kind: _kind_metrics(entry)
    for kind, entry in load_yaml(Path(__file__).resolve().parent / "metric_sets.yaml").items()
}
MONITORED_KINDS: tuple[str, ...] = tuple(DEFAULT_SETS)


def dimension_value(arn: Arn) -> str:
    """The value of the kind's own dimension: an instance id, a function name, app/name/id."""
    if arn.service == "sqs":
        return arn.resource
    value = arn.resource_id
    if arn.service == "lambda":
        return value.split(":", 1)[0]  # drop a version or alias qualifier
    return value


def monitorable(arn_text: str) -> str | None:
    """The kind if CloudWatch metrics are defined for it (application load balancers only)."""
    arn = parse_arn(arn_text)
    kind = arn.kind
    if kind == "elasticloadbalancing:loadbalancer" and not arn.resource.startswith(
        "loadbalancer/app/"
    ):
        return None
    return kind if kind in DEFAULT_SETS else None
