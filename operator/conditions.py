"""Kubernetes conditions: one entry per type, ``lastTransitionTime`` moving only when status flips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from autcloud.accounts.conditions import CONDITION_MESSAGE_MAX, clip

ConditionStatus = Literal["True", "False", "Unknown"]
CONDITION_ORDER = ("Ready", "Reconciling", "Stalled", "Validated", "Committed")


@dataclass(frozen=True)
class Condition:
    type: str
    status: ConditionStatus
    reason: str
    message: str


def merge_conditions(
    existing: Sequence[Mapping[str, Any]] | None,
    wanted: Iterable[Condition],
    *,
    generation: int,
    now: str,
) -> list[dict[str, Any]]:
    """The new condition list: ``wanted`` replaces entries of the same type, others stay.

    A condition keeps its old ``lastTransitionTime`` unless its ``status`` changed, as the
    Kubernetes API conventions ask; reason and message may change without a transition."""
    by_type: dict[str, dict[str, Any]] = {
        str(item["type"]): dict(item) for item in existing or () if "type" in item
    }
    for condition in wanted:
        old = by_type.get(condition.type)
        flipped = old is None or old.get("status") != condition.status
        by_type[condition.type] = {
            "type": condition.type,
            "status": condition.status,
            "reason": condition.reason,
            "message": clip(condition.message, CONDITION_MESSAGE_MAX),  # git/provider text
            "lastTransitionTime": now if flipped else old.get("lastTransitionTime", now),  # type: ignore[union-attr]
            "observedGeneration": generation,
        }
    ordered = [by_type.pop(name) for name in CONDITION_ORDER if name in by_type]
    return ordered + [by_type[name] for name in sorted(by_type)]


def find(conditions: Sequence[Mapping[str, Any]] | None, type_: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions or () if c.get("type") == type_), None)
