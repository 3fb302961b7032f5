"""Kubernetes-style conditions and times for the status of ProjectTag and MonitorTarget."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from autcloud.accounts.errors import Failure

# The CRDs' maxLength for status.conditions[].message (ProjectTag and MonitorTarget): a longer
# message would make the API server refuse the whole status write (422).
CONDITION_MESSAGE_MAX = 32768
# The first retry after a throttled or unreachable AWS call (the operator backs off from there).
RETRY_AFTER_S = 60.0

Event = tuple[str, str, str]  # (Normal|Warning, CamelCase reason, one sentence)


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in "…" when it had to be cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_conditions(
    previous: Iterable[Mapping[str, Any]] | None,
    wanted: Iterable[tuple[str, str, str, str]],
    *,
    now: datetime,
    generation: int | None,
) -> list[dict[str, Any]]:
    """Conditions from ``(type, status, reason, message)``, keeping ``lastTransitionTime``
    from ``previous`` when the status did not flip (the Kubernetes convention)."""
    before = {str(c.get("type")): c for c in previous or ()}
    conditions: list[dict[str, Any]] = []
    for kind, status, reason, message in wanted:
        old = before.get(kind)
        changed = old is None or old.get("status") != status
        condition: dict[str, Any] = {
            "type": kind,
            "status": status,
            "reason": reason,
            "message": clip(message, CONDITION_MESSAGE_MAX),
            "lastTransitionTime": rfc3339(now)
            if changed or old is None
            else old.get("lastTransitionTime", rfc3339(now)),
        }
        if generation is not None:
            condition["observedGeneration"] = generation
        conditions.append(condition)
    return conditions


def outcome_status(
    previous: Mapping[str, Any],
    *,
    ready: bool,
    reason: str,
    message: str,
    stalled: bool,
    now: datetime,
    generation: int | None,
    more_conditions: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What every reconcile's status patch holds: Ready, Reconciling (False: the work
    finished) and Stalled (then ``more_conditions``) and, when known, the generation they
    describe."""
    outcome = build_conditions(
        previous.get("conditions"),
        [
            ("Ready", "True" if ready else "False", reason, message),
            ("Reconciling", "False", "Idle" if ready else reason, "No work is under way."),
            (
                "Stalled",
                "True" if stalled else "False",
                reason if stalled else "NotStalled",
                message if stalled else "Nothing needs a person.",
            ),
        ],
        now=now,
        generation=generation,
    )
    status: dict[str, Any] = {"conditions": [*outcome, *more_conditions]}
    if generation is not None:
        status["observedGeneration"] = generation
    return status


@dataclass
class AccountResult:
    """What a reconcile of a ProjectTag or MonitorTarget returns (each kind adds what it
    found): ``status_patch`` goes to ``.status`` as a merge patch, ``events`` become Kubernetes
    Events, and the next reconcile comes after ``requeue_after_s``."""

    status_patch: dict[str, Any]
    events: list[Event]
    requeue_after_s: float
    failure: Failure | None = None

    @classmethod
    def from_failure(
        cls,
        failure: Failure,
        previous: Mapping[str, Any],
        *,
        now: datetime,
        generation: int | None,
        stalled_requeue_s: float,
    ) -> Self:
        """A reconcile that could not finish: not Ready, a Warning naming the failure, and a
        retry soon unless it is stalled (then ``stalled_requeue_s``: only a change by a person
        helps)."""
        status = outcome_status(
            previous,
            ready=False,
            reason=failure.reason,
            message=failure.message,
            stalled=failure.stalled,
            now=now,
            generation=generation,
        )
        requeue = stalled_requeue_s if failure.stalled else RETRY_AFTER_S
        events: list[Event] = [("Warning", failure.reason, failure.message[:1000])]
        return cls(status, events, requeue, failure=failure)
