"""The events that close a reconcile on the design's stream, read from the status it wrote.

The status is what ``kubectl`` shows; the stream says the same, so someone following over SSE
learns what a ``kubectl get`` would tell them: the questions are ``question.asked`` (sent by
the workflow as it asks), a commit is ``commit.pushed``, a failure is ``error`` and every run
ends with a ``done`` whose summary names the phase, resources, cost, commit and the asks the
design does not honor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autcloud.events import CommitPushed, Done, Error, Event

# Phases a person is content with: the run did what it could (questions are a normal stop).
OK_PHASES = frozenset({"Ready", "NeedsInput"})


def closing_events(status: Mapping[str, Any], *, retrying: bool) -> list[Event]:
    """``error`` (when the status records one now), ``commit.pushed`` (when it names a commit)
    and ``done``, in that order. ``retrying``: the operator tries again by itself."""
    phase = str(status.get("phase") or "")
    events: list[Event] = []
    error = status.get("lastError")
    if isinstance(error, Mapping) and phase not in OK_PHASES:
        events.append(
            Error(
                reason=str(error.get("reason") or phase),
                message=str(error.get("message") or ""),
                retryable=retrying,
            )
        )
    elif phase == "Refused":
        events.append(
            Error(reason="Refused", message=str(status.get("refusalReason") or ""), retryable=False)
        )
    git = status.get("git")
    if isinstance(git, Mapping) and git.get("commitSHA"):
        events.append(
            CommitPushed(
                sha=str(git["commitSHA"]),
                branch=str(git.get("branch") or ""),
                url=str(git.get("commitURL") or ""),
                pull_request_url=str(git.get("pullRequestURL") or ""),
            )
        )
    events.append(done_event(status))
    return events


def done_event(status: Mapping[str, Any]) -> Done:
    phase = str(status.get("phase") or "")
    resources = status.get("resources")
    count = int(resources.get("count") or 0) if isinstance(resources, Mapping) else 0
    cost = status.get("cost")
    monthly = float(cost["monthlyUSD"]) if isinstance(cost, Mapping) else None
    git = status.get("git")
    commit = str(git.get("commitSHA") or "") if isinstance(git, Mapping) else ""
    unsupported = _not_honored(status, "unsupported")
    return Done(
        phase=phase,
        ok=phase in OK_PHASES,
        summary=_sentence(status, phase, count, monthly, git, unsupported),
        resources=count,
        monthly_usd=monthly,
        commit=commit,
        unsupported=unsupported,
    )


def _sentence(
    status: Mapping[str, Any],
    phase: str,
    count: int,
    monthly: float | None,
    git: Any,
    unsupported: list[str],
) -> str:
    parts: list[str] = []
    if phase == "NeedsInput":
        ids = [str(q.get("id")) for q in status.get("questions") or [] if isinstance(q, Mapping)]
        parts.append(f"{len(ids)} question(s) open ({', '.join(ids)})")
    elif phase == "Refused":
        parts.append(f"refused: {status.get('refusalReason') or 'the request was refused'}")
    if count:
        parts.append(f"{count} resources")
    if monthly is not None:
        parts.append(f"about ${monthly:,.0f}/month")
    if isinstance(git, Mapping) and git.get("commitSHA"):
        where = git.get("pullRequestURL") or f"branch {git.get('branch') or '?'}"
        parts.append(f"commit {str(git['commitSHA'])[:12]} ({where})")
    error = status.get("lastError")
    if isinstance(error, Mapping) and phase not in OK_PHASES and phase != "Refused":
        parts.append(f"{error.get('reason')}: {error.get('message')}")
    if unsupported:
        parts.append(f"not built as asked: {'; '.join(repr(quote) for quote in unsupported)}")
    adjusted = _not_honored(status, "adjusted") + _not_honored(status, "conflict")
    if adjusted:
        parts.append(f"{len(adjusted)} ask(s) adjusted (see status.asks)")
    return f"{phase}: " + "; ".join(parts) if parts else phase


def _not_honored(status: Mapping[str, Any], kind: str) -> list[str]:
    asks = status.get("asks")
    entries = asks.get("notHonored") if isinstance(asks, Mapping) else None
    return [
        str(entry.get("quote") or entry.get("key"))
        for entry in entries or []
        if isinstance(entry, Mapping) and entry.get("status") == kind
    ]
