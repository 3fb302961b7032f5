"""The ProjectTag and MonitorTarget specs as typed values, checked beyond what the CRD checks.

The API server has already applied the CRD's schema and defaults; these parsers repeat the
defaults (so the CLI and tests can pass partial dicts) and check what a schema cannot: that the
name pattern compiles as RE2. Errors name the field and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

from autcloud.accounts.arns import SUPPORTED_KINDS, parse_arn
from autcloud.accounts.metric_sets import MetricDef


class InvalidSpecError(ValueError):
    """The spec cannot be acted on until a person changes it. ``reason`` is a condition reason."""

    def __init__(self, message: str, reason: str = "InvalidSpec") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ProjectTagSpec:
    key: str
    value: str
    regions: tuple[str, ...]
    kinds: tuple[str, ...] = SUPPORTED_KINDS
    vpc_ids: frozenset[str] = frozenset()
    name_pattern: str | None = None
    arns: frozenset[str] = frozenset()
    enforce: bool = False
    overwrite: bool = False  # True: replace a different value too
    interval_minutes: int = 60

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ProjectTagSpec:
        tag = spec.get("tag") or {}
        key, value = tag.get("key"), tag.get("value")
        if not isinstance(key, str) or not key:
            raise InvalidSpecError("spec.tag.key is required: give the tag key, e.g. Project")
        if key.lower().startswith("aws:"):
            raise InvalidSpecError(
                f"spec.tag.key {key!r}: keys starting with 'aws:' are reserved by AWS"
            )
        if not isinstance(value, str):
            raise InvalidSpecError("spec.tag.value is required: give the tag value (may be empty)")
        regions = tuple(spec.get("regions") or ())
        if not regions:
            raise InvalidSpecError(
                "spec.regions is required: list at least one region, e.g. [eu-west-1]"
            )
        kinds = tuple(spec.get("resourceKinds") or ()) or SUPPORTED_KINDS
        unknown = sorted(set(kinds) - set(SUPPORTED_KINDS))
        if unknown:
            raise InvalidSpecError(
                f"spec.resourceKinds: unsupported kind(s) {', '.join(unknown)}; choose from "
                f"{', '.join(SUPPORTED_KINDS)}"
            )
        selectors = spec.get("selectors") or {}
        pattern = selectors.get("namePattern")
        if pattern is not None:
            compile_name_pattern(pattern)
        arns = frozenset(selectors.get("arns") or ())
        for arn in arns:
            try:
                parse_arn(arn)
            except ValueError as error:
                raise InvalidSpecError(f"spec.selectors.arns: {error}") from error
        mode = spec.get("mode", "report")
        if mode not in ("report", "enforce"):
            raise InvalidSpecError(f"spec.mode {mode!r}: use report or enforce")
        overwrite = spec.get("overwrite", "never")
        if overwrite not in ("never", "always"):
            raise InvalidSpecError(f"spec.overwrite {overwrite!r}: use never or always")
        interval = int((spec.get("schedule") or {}).get("intervalMinutes", 60))
        return cls(
            key=key,
            value=value,
            regions=regions,
            kinds=tuple(k for k in SUPPORTED_KINDS if k in set(kinds)),
            vpc_ids=frozenset(selectors.get("vpcIds") or ()),
            name_pattern=pattern,
            arns=arns,
            enforce=mode == "enforce",
            overwrite=overwrite == "always",
            interval_minutes=max(5, min(1440, interval)),
        )


def compile_name_pattern(pattern: str) -> Any:
    """The RE2 expression, or :class:`InvalidSpecError` with reason ``InvalidSelector``."""
    try:
        return re2.compile(pattern)
    except re2.error as error:
        raise InvalidSpecError(
            f"spec.selectors.namePattern {pattern!r} is not a valid RE2 expression ({error}); "
            "fix the pattern, e.g. '^checkout-'",
            reason="InvalidSelector",
        ) from error


@dataclass(frozen=True)
class MetricRequest:
    """One extra CloudWatch metric from ``spec.metrics``, with the dimensions it adds to the
    resource's own."""

    metric: MetricDef
    dimensions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Thresholds:
    idle_cpu_percent: float = 5
    over_provisioned_cpu_percent: float = 20
    under_provisioned_cpu_percent: float = 80
    low_free_storage_percent: float = 10
    alb_5xx_ratio: float = 0.01
    lambda_error_ratio: float = 0.01
    lambda_throttles: int = 0
    cache_evictions: int = 0
    queue_backlog: int = 1000

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        defaults = cls()
        thresholds = cls(
            idle_cpu_percent=float(data.get("idleCpuPercent", defaults.idle_cpu_percent)),
            over_provisioned_cpu_percent=float(
                data.get("overProvisionedCpuPercent", defaults.over_provisioned_cpu_percent)
            ),
            under_provisioned_cpu_percent=float(
                data.get("underProvisionedCpuPercent", defaults.under_provisioned_cpu_percent)
            ),
            low_free_storage_percent=float(
                data.get("lowFreeStoragePercent", defaults.low_free_storage_percent)
            ),
            alb_5xx_ratio=float(data.get("alb5xxRatio", defaults.alb_5xx_ratio)),
            lambda_error_ratio=float(data.get("lambdaErrorRatio", defaults.lambda_error_ratio)),
            lambda_throttles=int(data.get("lambdaThrottles", defaults.lambda_throttles)),
            cache_evictions=int(data.get("cacheEvictions", defaults.cache_evictions)),
            queue_backlog=int(data.get("queueBacklog", defaults.queue_backlog)),
        )
        if not (
            thresholds.idle_cpu_percent
            < thresholds.over_provisioned_cpu_percent
            < thresholds.under_provisioned_cpu_percent
        ):
            raise InvalidSpecError(
                "spec.thresholds: thresholds must satisfy idleCpuPercent < "
                "overProvisionedCpuPercent < underProvisionedCpuPercent"
            )
        return thresholds


@dataclass(frozen=True)
class MonitorTargetSpec:
    tag: tuple[str, str] | None = None
    arns: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    default_metric_sets: bool = True
    metrics: tuple[MetricRequest, ...] = ()
    interval_minutes: int = 5
    thresholds: Thresholds = field(default_factory=Thresholds)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> MonitorTargetSpec:
        selector, arns = spec.get("selector"), tuple(spec.get("arns") or ())
        if (selector is None) == (not arns):
            raise InvalidSpecError(
                "spec: set exactly one of selector (resources by tag) or arns (resources by ARN)"
            )
        tag: tuple[str, str] | None = None
        if selector is not None:
            raw = selector.get("tag") or {}
            if not raw.get("key"):
                raise InvalidSpecError("spec.selector.tag.key is required, e.g. Project")
            tag = (str(raw["key"]), str(raw.get("value", "")))
        regions = tuple(spec.get("regions") or ())
        if tag is not None and not regions:
            raise InvalidSpecError("spec.regions: a tag selector needs regions to search in")
        for arn in arns:
            try:
                parse_arn(arn)
            except ValueError as error:
                raise InvalidSpecError(f"spec.arns: {error}") from error
        metrics = tuple(
            MetricRequest(
                MetricDef(
                    namespace=str(item["namespace"]),
                    name=str(item["name"]),
                    stat=str(item["stat"]),
                    period=int(item.get("period", 300)),
                ),
                dimensions=tuple(sorted((item.get("dimensions") or {}).items())),
            )
            for item in spec.get("metrics") or ()
        )
        return cls(
            tag=tag,
            arns=arns,
            regions=regions,
            default_metric_sets=bool(spec.get("defaultMetricSets", True)),
            metrics=metrics,
            interval_minutes=max(1, min(1440, int(spec.get("intervalMinutes", 5)))),
            thresholds=Thresholds.from_dict(spec.get("thresholds") or {}),
        )
