"""Which CloudWatch metrics to read for each monitored kind, and each resource's dimension."""

from __future__ import annotations

from dataclasses import dataclass

from autcloud.accounts.arns import Arn, parse_arn


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


def _set(namespace: str, dimension: str, *metrics: tuple[str, str, str]) -> KindMetrics:
    return KindMetrics(
        namespace, dimension, tuple(MetricDef(namespace, n, s, unit=u) for n, s, u in metrics)
    )


# The default metric set of each kind: what the insights need, plus the usual health signals.
DEFAULT_SETS: dict[str, KindMetrics] = {
    "ec2:instance": _set(
        "AWS/EC2",
        "InstanceId",
        ("CPUUtilization", "Average", "Percent"),
        ("CPUUtilization", "Maximum", "Percent"),
        ("StatusCheckFailed", "Maximum", "Count"),
        ("NetworkIn", "Sum", "Bytes"),
    ),
    "rds:db": _set(
        "AWS/RDS",
        "DBInstanceIdentifier",
        ("CPUUtilization", "Average", "Percent"),
        ("CPUUtilization", "Maximum", "Percent"),
        ("FreeStorageSpace", "Minimum", "Bytes"),
        ("FreeableMemory", "Minimum", "Bytes"),
        ("DatabaseConnections", "Average", "Count"),
    ),
    "elasticloadbalancing:loadbalancer": _set(
        "AWS/ApplicationELB",
        "LoadBalancer",
        ("RequestCount", "Sum", "Count"),
        ("HTTPCode_ELB_5XX_Count", "Sum", "Count"),
        ("HTTPCode_Target_5XX_Count", "Sum", "Count"),
        ("TargetResponseTime", "Average", "Seconds"),
    ),
    "lambda:function": _set(
        "AWS/Lambda",
        "FunctionName",
        ("Invocations", "Sum", "Count"),
        ("Errors", "Sum", "Count"),
        ("Throttles", "Sum", "Count"),
        ("Duration", "Average", "Milliseconds"),
    ),
    "elasticache:cluster": _set(
        "AWS/ElastiCache",
        "CacheClusterId",
        ("CPUUtilization", "Average", "Percent"),
        ("CPUUtilization", "Maximum", "Percent"),
        ("Evictions", "Sum", "Count"),
        ("DatabaseMemoryUsagePercentage", "Average", "Percent"),
    ),
    "dynamodb:table": _set(
        "AWS/DynamoDB",
        "TableName",
        ("ConsumedReadCapacityUnits", "Sum", "Count"),
        ("ConsumedWriteCapacityUnits", "Sum", "Count"),
        ("ReadThrottleEvents", "Sum", "Count"),
        ("WriteThrottleEvents", "Sum", "Count"),
    ),
    "sqs:queue": _set(
        "AWS/SQS",
        "QueueName",
        ("ApproximateNumberOfMessagesVisible", "Maximum", "Count"),
        ("ApproximateAgeOfOldestMessage", "Maximum", "Seconds"),
        ("NumberOfMessagesSent", "Sum", "Count"),
    ),
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
