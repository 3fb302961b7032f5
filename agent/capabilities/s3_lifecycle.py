"""S3 lifecycle as stated: how long data objects are kept and when they move to colder storage.

Applies to the design's data buckets (application uploads, the data lake), never to the log
buckets: "keep logs 90 days" is the core's log retention, not an object lifecycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.hcl import Block
from autcloud.agent.ledger import Evidence, attribute_values, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("s3_lifecycle")

RULE_ID = "retention"  # the lifecycle rule this capability shaped


@dataclass(frozen=True)
class RuleParameter(Parameter):
    """Proven on the lifecycle rules this capability shaped, not on the log buckets' defaults."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        shaped = (
            (address, body)
            for address, body in instances(module, self.type)
            if RULE_ID in attribute_values(module, body, "rule.id")
        )
        return self.first_holding(module, value, shaped)


# Buckets that hold logs, build artifacts or site files rather than the application's data.
NOT_DATA = {"access_logs", "trail", "artifacts", "site", "athena_results"}

_UNITS = {
    "day": 1, "days": 1, "month": 30, "months": 30, "year": 365, "years": 365, "yr": 365, "yrs": 365,
    "일": 1, "개월": 30, "달": 30, "년": 365,
}  # fmt: skip


# The storage classes a person names, in the order they are tried; each one's words are a
# fragment of agent/patterns/s3_lifecycle.yaml, joined there as storage_class.
_CLASSES = {
    "deep_archive": "DEEP_ARCHIVE",
    "glacier_ir": "GLACIER_IR",
    "glacier": "GLACIER",
    "onezone_ia": "ONEZONE_IA",
    "intelligent_tiering": "INTELLIGENT_TIERING",
    "standard_ia": "STANDARD_IA",
}
STORAGE_CLASS = PATTERNS.fragment("storage_class")  # s3_replication reads a replica's class with it


def _days(number: str, unit: str) -> int:
    return int(number) * _UNITS[unit.lower()]


def _storage_class(words: str) -> str:
    for key, name in _CLASSES.items():
        if re.fullmatch(PATTERNS.fragment(key), words.strip(), re.I):
            return name
    return "GLACIER"


def _about_logs(match: re.Match[str]) -> bool:
    """Whether the statement is about logs ("keep logs 90 days" is the core's log retention)."""
    before = match.string[max(0, match.start() - 12) : match.start()]
    return bool(PATTERNS["log_noun"].search(match.group(0)) or PATTERNS["log_noun"].search(before))


def _stated_days(
    patterns: tuple[re.Pattern[str], ...], text: str, *, skip_logs: bool = False
) -> Iterator[tuple[str, int]]:
    """Each period a pattern reads (its last two groups: number, unit), in days, with its quote;
    with ``skip_logs``, not the statements about logs."""
    for pattern in patterns:
        for match in pattern.finditer(text):
            if skip_logs and _about_logs(match):
                continue
            number, unit = [g for g in match.groups() if g is not None][-2:]
            yield match.group(0).strip(), _days(number, unit)


def read_expiration(text: str) -> Iterator[tuple[str, Any]]:
    yield from _stated_days(PATTERNS.each("expiration"), text, skip_logs=True)


def read_log_expiration(text: str) -> Iterator[tuple[str, Any]]:
    yield from _stated_days(PATTERNS.each("log_expiration"), text)


def read_noncurrent(text: str) -> Iterator[tuple[str, Any]]:
    for quote, days in _stated_days(PATTERNS.each("noncurrent"), text):
        if 1 <= days <= 36500:
            yield quote, days


def _transitions(text: str) -> Iterator[tuple[str, int, str]]:
    for pattern in PATTERNS.each("transition"):
        for match in pattern.finditer(text):
            if _about_logs(match):
                continue
            groups = [g for g in match.groups() if g is not None]
            unit_at = next(i for i, g in enumerate(groups) if g.lower() in _UNITS)
            number, unit = groups[unit_at - 1], groups[unit_at]
            words = next(g for i, g in enumerate(groups) if i not in (unit_at - 1, unit_at))
            yield match.group(0).strip(), _days(number, unit), _storage_class(words)
    for pattern in PATTERNS.each("immediate"):
        for match in pattern.finditer(text):
            if _about_logs(match):
                continue
            words = next(g for g in match.groups() if g is not None)
            yield match.group(0).strip(), 0, _storage_class(words)


def read_transition_days(text: str) -> Iterator[tuple[str, Any]]:
    for quote, days, _ in _transitions(text):
        yield quote, days


def read_transition_class(text: str) -> Iterator[tuple[str, Any]]:
    for quote, _, storage_class in _transitions(text):
        yield quote, storage_class


def data_buckets(bp: Blueprint) -> list[str]:
    """Names of the buckets holding the application's data (not logs, artifacts or site files)."""
    return [
        r.name
        for r in bp.resources
        if r.type == "aws_s3_bucket"
        and r.name not in NOT_DATA
        and "log" not in r.name
        and not r.name.endswith("_replica")
    ]


def ensure_data_bucket(bp: Blueprint) -> list[str]:
    """The data buckets; a private, versioned ``data`` bucket when the design has none yet."""
    names = data_buckets(bp)
    if not names:
        add_bucket(bp, "data", "Holds the data whose retention the request sets.")
        bp.notes.append("A data bucket was added: the request set how long data is kept.")
        names = ["data"]
    return names


# S3 keeps objects at least 30 days in Standard-IA before they may move on or expire.
_MIN_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}


# Buckets holding logs delivered by a service: "logs expire after 400 days" shapes these.
LOG_BUCKETS = ("trail", "access_logs", "delivery")


def log_buckets(bp: Blueprint) -> list[str]:
    return [
        r.name
        for r in bp.resources
        if r.type == "aws_s3_bucket" and (r.name in LOG_BUCKETS or "log" in r.name)
    ]


def build(bp: Blueprint, ctx: Context) -> None:
    params = ctx.req.params
    expiration = params.get("s3.expiration_days")
    transition_days = params.get("s3.transition_days")
    transition_class = params.get("s3.transition_class")
    log_expiration = params.get("s3.log_expiration_days")
    noncurrent = params.get("s3.noncurrent_days")
    if transition_class is None and transition_days is not None:
        transition_class = "GLACIER"
    if transition_days is None and transition_class is not None:
        transition_days = _MIN_DAYS.get(transition_class, 90)
    if expiration is None and transition_days is None and log_expiration is None and not noncurrent:
        transition_days, transition_class = 90, "GLACIER"  # "lifecycle rules", nothing stated
    if expiration is not None or transition_days is not None or noncurrent:
        for name in ensure_data_bucket(bp):
            if expiration is not None or transition_days is not None:
                _tune(bp, name, expiration, transition_days, transition_class)
            if noncurrent:
                _noncurrent(bp, name, int(noncurrent))
    if log_expiration is not None:
        logs = log_buckets(bp)
        for name in logs:
            _tune(bp, name, int(log_expiration), None, None)
        if not logs:
            bp.notes.append("Log expiry was stated, but the design keeps no logs in S3.")


def _noncurrent(bp: Blueprint, name: str, days: int) -> None:
    spec = bp.find(f"aws_s3_bucket_lifecycle_configuration.{name}")
    if spec is None:
        return
    rule: Block = spec.body["rule"]
    rule.body["noncurrent_version_expiration"] = Block(
        "noncurrent_version_expiration", body={"noncurrent_days": days}
    )
    spec.reason += f" Earlier versions are deleted {days} days after they are replaced, as asked."


def _tune(
    bp: Blueprint,
    name: str,
    expiration: int | None,
    transition_days: int | None,
    transition_class: str | None,
) -> None:
    spec = bp.find(f"aws_s3_bucket_lifecycle_configuration.{name}")
    if spec is None:
        return
    rule: Block = spec.body["rule"]
    existing = rule.body.get("transition")
    transitions: list[Block] = (
        [] if existing is None else existing if isinstance(existing, list) else [existing]
    )
    said: list[str] = []
    if transition_days is not None and transition_class is not None:
        days = max(int(transition_days), _MIN_DAYS.get(transition_class, 0))
        # An earlier Standard-IA step stays only if objects may sit there 30 days before this one.
        transitions = [
            t
            for t in transitions
            if t.body["storage_class"] != transition_class
            and int(t.body["days"]) + _MIN_DAYS.get(t.body["storage_class"], 0) <= days
        ]
        transitions.append(
            Block("transition", body={"days": days, "storage_class": transition_class})
        )
        said.append(f"moves objects to {transition_class} after {days} days")
    if expiration is not None:
        floor = max(
            (int(t.body["days"]) + _MIN_DAYS.get(t.body["storage_class"], 1) for t in transitions),
            default=1,
        )
        if int(expiration) < floor:
            # Expiry comes first: transitions that would never happen are dropped.
            transitions = [
                t
                for t in transitions
                if int(t.body["days"]) + _MIN_DAYS.get(t.body["storage_class"], 1)
                <= int(expiration)
            ]
        rule.body["expiration"] = Block("expiration", body={"days": int(expiration)})
        said.append(f"deletes objects after {int(expiration)} days")
    transitions.sort(key=lambda t: int(t.body["days"]))
    if transitions:
        rule.body["transition"] = transitions if len(transitions) > 1 else transitions[0]
    else:
        rule.body.pop("transition", None)
    rule.body["id"] = RULE_ID
    spec.reason = (
        "As asked: " + " and ".join(said) + "; also expires old versions and unfinished uploads."
    )
    spec.body["rule"] = rule


CAPABILITY = declare(
    "s3_lifecycle",
    build=build,
    readers={
        "s3.expiration_days": read_expiration,
        "s3.transition_days": read_transition_days,
        "s3.transition_class": read_transition_class,
        "s3.log_expiration_days": read_log_expiration,
        "s3.noncurrent_days": read_noncurrent,
    },
    applies=lambda req: (
        "s3_lifecycle" in req.services
        or any(
            k in req.params
            for k in (
                "s3.expiration_days",
                "s3.transition_days",
                "s3.transition_class",
                "s3.log_expiration_days",
                "s3.noncurrent_days",
            )
        )
    ),
)
