"""Reconcile a ProjectTag: scan its regions, diff against the tag, tag in enforce mode, report.

The one entry point, :func:`reconcile_project_tag`, takes the spec as a plain dict and returns
a :class:`ProjectTagResult`: the status patch, the Events to emit and when to run again. It
knows nothing of Kubernetes, so the operator's handler, the CLI and the tests drive it alike.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.accounts.conditions import (
    AccountResult,
    Event,
    build_conditions,
    clip,
    outcome_status,
    rfc3339,
)
from autcloud.accounts.discovery import account_id, discover, display_name, regions_to_scan
from autcloud.accounts.errors import Failure, classify
from autcloud.accounts.specs import InvalidSpecError, ProjectTagSpec, compile_name_pattern
from autcloud.accounts.tagger import TagFailure, apply_tags
from autcloud.aws import AwsClients, Resource

log = logging.getLogger("autcloud.accounts")

STATUS_LIST_CAP = 100  # the CRD's maxItems for untagged, failed and plannedChanges
# The CRD's maxLength for status.failed[].reason and .message (AWS's own text, unbounded).
FAILURE_REASON_MAX = 1024
FAILURE_MESSAGE_MAX = 2048


@dataclass(frozen=True)
class Untagged:
    resource: Resource
    current_value: str | None  # the value under the key when it differs; None: key missing


@dataclass
class ProjectTagResult(AccountResult):
    """What a reconcile found and did."""

    matched: list[Resource] = field(default_factory=list)
    untagged: list[Untagged] = field(default_factory=list)
    planned: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: dict[str, TagFailure] = field(default_factory=dict)
    newly_tagged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # spec.selectors.arns the scan did not find (deleted, mistyped, or outside regions/kinds).
    unknown_arns: list[str] = field(default_factory=list)


def reconcile_project_tag(
    spec: Mapping[str, Any],
    *,
    clients: AwsClients,
    now: datetime | None = None,
    previous_status: Mapping[str, Any] | None = None,
    generation: int | None = None,
    mode: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ProjectTagResult:
    """Scan (and in enforce mode tag); ``mode`` overrides ``spec.mode`` (the CLI's report/apply)."""
    now = now or datetime.now(UTC)
    previous = previous_status or {}
    try:
        parsed = ProjectTagSpec.from_dict(spec)
    except InvalidSpecError as error:
        failure = Failure(error.reason, str(error), stalled=True)
        return ProjectTagResult.from_failure(
            failure, previous, now=now, generation=generation, stalled_requeue_s=3600.0
        )
    if mode is not None:
        parsed = dataclasses.replace(parsed, enforce=mode == "enforce")
    interval_s = parsed.interval_minutes * 60.0
    try:
        result = _scan_and_tag(parsed, clients, sleep)
    except (ClientError, BotoCoreError) as error:
        failure = classify(error, "the scan")
        return ProjectTagResult.from_failure(
            failure, previous, now=now, generation=generation, stalled_requeue_s=interval_s
        )
    _finish(result, parsed, previous, now, generation, interval_s)
    return result


def _scan_and_tag(
    spec: ProjectTagSpec, clients: AwsClients, sleep: Callable[[float], None]
) -> ProjectTagResult:
    first_region = spec.regions[0]
    account = account_id(clients, first_region)
    result = ProjectTagResult(status_patch={}, events=[], requeue_after_s=0)
    pattern = compile_name_pattern(spec.name_pattern) if spec.name_pattern else None
    seen: set[str] = set()
    for region, kinds in regions_to_scan(spec.regions, spec.kinds).items():
        found = discover(clients, region, kinds, account)
        result.warnings.extend(found.warnings)
        for resource in found.resources:
            seen.add(resource.arn)
            if spec.arns and resource.arn not in spec.arns:
                continue
            if spec.vpc_ids and resource.vpc_id not in spec.vpc_ids:
                continue
            if pattern is not None and not pattern.search(display_name(resource)):
                continue
            result.matched.append(resource)
    result.unknown_arns = sorted(spec.arns - seen)
    for resource in result.matched:
        current = (resource.tags or {}).get(spec.key)
        if current == spec.value:
            continue
        result.untagged.append(Untagged(resource, current))
        if current is None or spec.overwrite:
            result.planned[resource.arn] = {spec.key: spec.value}
    if spec.enforce and result.planned:
        by_region: dict[str, list[str]] = {}
        for resource in result.matched:
            if resource.arn in result.planned:
                by_region.setdefault(resource.region, []).append(resource.arn)
        for region, arns in by_region.items():
            outcome = apply_tags(clients, region, arns, {spec.key: spec.value}, sleep=sleep)
            result.newly_tagged.extend(outcome.tagged)
            result.failed.update(outcome.failed)
        done = set(result.newly_tagged)
        result.untagged = [u for u in result.untagged if u.resource.arn not in done]
    return result


def _finish(
    result: ProjectTagResult,
    spec: ProjectTagSpec,
    previous: Mapping[str, Any],
    now: datetime,
    generation: int | None,
    interval_s: float,
) -> None:
    tag = f"{spec.key}={spec.value}"
    counts = {
        "matched": len(result.matched),
        "tagged": len(result.matched) - len(result.untagged),
        "untagged": len(result.untagged),
        "failed": len(result.failed),
    }
    if result.failed:
        ready, reason = False, "PartiallyTagged"
        message = (
            f"{len(result.failed)} of {len(result.planned)} resources could not be tagged {tag}; "
            "see status.failed"
        )
    else:
        ready, reason = True, "ScanSucceeded"
        message = f"{counts['matched']} resources matched, {counts['untagged']} lack {tag}."
    # Stalled only when nothing could be tagged and every refusal is a permission problem.
    stalled = (
        bool(result.failed)
        and not result.newly_tagged
        and all(
            f.reason in ("AccessDenied", "AccessDeniedException") for f in result.failed.values()
        )
    )
    if stalled:
        reason = "AccessDenied"
        message = f"AWS denied tagging {len(result.failed)} resources: grant tag:TagResources and the services' tagging permissions"
    result.status_patch = {
        "counts": counts,
        "untagged": [_untagged_item(u) for u in result.untagged[:STATUS_LIST_CAP]],
        "failed": [
            {
                "arn": f.arn,
                "reason": clip(f.reason, FAILURE_REASON_MAX),
                "message": clip(f.message, FAILURE_MESSAGE_MAX),
            }
            for f in list(result.failed.values())[:STATUS_LIST_CAP]
        ],
        "plannedChanges": [
            {"arn": arn, "add": add} for arn, add in list(result.planned.items())[:STATUS_LIST_CAP]
        ],
        "lastScanTime": rfc3339(now),
        "nextScanTime": rfc3339(now + timedelta(seconds=interval_s)),
        **outcome_status(
            previous,
            ready=ready,
            reason=reason,
            message=message,
            stalled=stalled,
            now=now,
            generation=generation,
            more_conditions=_arns_condition(result, spec, previous, now, generation),
        ),
    }
    result.requeue_after_s = interval_s
    result.events = _events(result, spec, previous, tag)


UNKNOWN_ARNS_LISTED = 20  # ARNs named in the condition's message; the count is always there


def _unknown_arns_message(result: ProjectTagResult, spec: ProjectTagSpec) -> str:
    unknown = result.unknown_arns
    listed = ", ".join(unknown[:UNKNOWN_ARNS_LISTED])
    more = (
        f" and {len(unknown) - UNKNOWN_ARNS_LISTED} more"
        if len(unknown) > UNKNOWN_ARNS_LISTED
        else ""
    )
    return (
        f"{len(unknown)} of {len(spec.arns)} ARNs in spec.selectors.arns were not found in "
        f"{', '.join(spec.regions)}: {listed}{more}; nothing can be tagged there. Fix or remove "
        "them (deleted, mistyped, or in a region or kind this ProjectTag does not scan)."
    )


def _arns_condition(
    result: ProjectTagResult,
    spec: ProjectTagSpec,
    previous: Mapping[str, Any],
    now: datetime,
    generation: int | None,
) -> list[dict[str, Any]]:
    """``ArnsFound``, only when spec.selectors.arns is set: False (reason ``UnknownArns``)
    names the ARNs the scan did not find; Ready stays as the scan left it."""
    if not spec.arns:
        return []
    if result.unknown_arns:
        wanted = ("ArnsFound", "False", "UnknownArns", _unknown_arns_message(result, spec))
    else:
        wanted = ("ArnsFound", "True", "AllFound", f"All {len(spec.arns)} ARNs were found.")
    return build_conditions(previous.get("conditions"), [wanted], now=now, generation=generation)


def _untagged_item(entry: Untagged) -> dict[str, Any]:
    item: dict[str, Any] = {
        "arn": entry.resource.arn,
        "kind": entry.resource.kind,
        "region": entry.resource.region,
    }
    if entry.current_value is not None:
        item["currentValue"] = entry.current_value
    return item


def _events(
    result: ProjectTagResult, spec: ProjectTagSpec, previous: Mapping[str, Any], tag: str
) -> list[Event]:
    events: list[Event] = []
    if result.unknown_arns:
        events.append(("Warning", "UnknownArns", _unknown_arns_message(result, spec)[:1000]))
    if result.newly_tagged:
        events.append(
            ("Normal", "Tagged", f"Tagged {len(result.newly_tagged)} resources with {tag}.")
        )
    if result.failed:
        first = next(iter(result.failed.values()))
        events.append(
            (
                "Warning",
                "TagFailed",
                f"{len(result.failed)} resources could not be tagged {tag} (first: {first.arn}: {first.reason}).",
            )
        )
    if previous.get("lastScanTime"):  # a re-scan: report drift since the last one
        before = {item.get("arn") for item in previous.get("untagged") or ()}
        new = [u.resource.arn for u in result.untagged if u.resource.arn not in before]
        drifted = [a for a in result.newly_tagged if a not in before]
        if new or drifted:
            count = len(new) + len(drifted)
            example = (new or drifted)[0]
            events.append(
                (
                    "Warning",
                    "DriftDetected",
                    f"{count} resources newly lack {tag} since the last scan (e.g. {example}).",
                )
            )
    elif result.untagged and not spec.enforce:
        events.append(
            ("Normal", "Untagged", f"{len(result.untagged)} resources lack {tag} (report mode).")
        )
    return events
