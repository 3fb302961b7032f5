"""From the design engine's design.json to the InfraDesign status sections and the commit.

Each function reads the sections it needs through the typed model (autcloud.agent.document),
from the model itself or from the document as a dict. Every list is capped as the CRD caps
it, so a large design never makes the status update fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from autcloud.agent.document import Document, sections, validated

MAX_QUESTIONS = 20
MAX_ASSUMPTIONS = 50
MAX_BY_TYPE = 200
MAX_ITEMS = 300
MAX_STEPS = 20
MAX_FAILING = 50
PILLARS = {
    "operational_excellence": "OperationalExcellence",
    "security": "Security",
    "reliability": "Reliability",
    "performance_efficiency": "PerformanceEfficiency",
    "cost_optimization": "CostOptimization",
    "sustainability": "Sustainability",
}
# Keys whose values change from run to run (timings); left out of the committed design.json so
# that the same input always commits the same bytes, and a repeated run commits nothing.
VOLATILE_KEYS = frozenset({"timings_ms", "duration_ms", "ms", "durationMs"})


def questions(document: Document) -> list[dict[str, Any]]:
    result = []
    for question in sections(document, "questions").questions[:MAX_QUESTIONS]:
        item: dict[str, Any] = {"id": _cut(question.id, 63), "text": _cut(question.text, 2000)}
        if question.default:
            item["default"] = _cut(question.default, 500)
        result.append(item)
    return result


def assumptions(document: Document) -> list[str]:
    values = sections(document, "assumptions").assumptions
    return [_cut(value, 500) for value in values[:MAX_ASSUMPTIONS]]


def resources(document: Document) -> dict[str, Any]:
    read = sections(document, "resources", "levels")
    planned = read.resources
    by_type = Counter(resource.type for resource in planned)
    items = []
    for resource in planned[:MAX_ITEMS]:
        item: dict[str, Any] = {
            "address": _cut(resource.address, 512),
            "type": _cut(resource.type, 128),
            "level": resource.level,
        }
        if resource.reason:
            item["reason"] = _cut(resource.reason, 500)
        items.append(item)
    return {
        "count": len(planned),
        "levels": len(read.levels),
        "byType": [
            {"type": _cut(kind, 128), "count": count}
            for kind, count in sorted(by_type.items(), key=lambda pair: (-pair[1], pair[0]))
        ][:MAX_BY_TYPE],
        "items": items,
        "truncated": len(planned) > MAX_ITEMS,
    }


def validation(document: Document) -> dict[str, Any]:
    report = sections(document, "validation").validation
    steps = [
        {
            "name": _cut(step.name, 63),
            "status": step.status.value,
            "durationMs": max(0, round(step.duration_ms)),
            "findings": len(step.findings),
            **({"reason": _cut(step.reason, 1024)} if step.reason else {}),
        }
        for step in report.steps[:MAX_STEPS]
    ]
    pillars = []
    for pillar in report.pillars or []:
        entry: dict[str, Any] = {
            "pillar": PILLARS[pillar.pillar],
            "assessed": pillar.score is not None,
            "failing": [_cut(check, 256) for check in pillar.failing][:MAX_FAILING],
        }
        if pillar.score is not None:  # no check ran: no score, rather than a perfect one
            entry["score"] = pillar.score
        pillars.append(entry)
    return {"passed": report.passed, "steps": steps, "pillars": pillars}


def cost(document: Document) -> dict[str, Any] | None:
    estimate = sections(document, "cost").cost
    if estimate is None:
        return None
    result: dict[str, Any] = {
        "monthlyUSD": round(estimate.total_usd, 2),
        "monthlyKRW": estimate.total_krw,
    }
    if estimate.as_of:
        result["asOf"] = estimate.as_of
    return result


def stable_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """design.json as committed: the document without timings."""
    stripped = _strip(document)
    assert isinstance(stripped, dict)
    return stripped


def design_json(document: Mapping[str, Any]) -> bytes:
    """The committed design.json; it holds to docs/design.schema.json (else ValidationError)."""
    validated(document)
    text = json.dumps(stable_document(document), indent=2, ensure_ascii=False, sort_keys=True)
    return (text + "\n").encode()


MAX_NOT_HONORED = 30


def asks(document: Document) -> dict[str, Any] | None:
    """status.asks: counts by status and every ask not simply honored, with why."""
    read = sections(document, "requirements")
    if not read.ledger:
        return None
    counts = {"honored": 0, "adjusted": 0, "unsupported": 0, "conflict": 0}
    for entry in read.ledger:
        if entry.status.value in counts:
            counts[entry.status.value] += 1
    not_honored = [
        {
            "status": entry.status.value,
            "quote": _cut(entry.quote, 200),
            "key": _cut(entry.key, 100),
            "why": _cut(entry.why, 400),
        }
        for entry in read.not_honored()
    ]
    return {**counts, "notHonored": not_honored[:MAX_NOT_HONORED]}


def asks_condition(document: Document) -> tuple[str, str, str] | None:
    """(status, reason, message) of the AsksHonored condition, or None without a ledger."""
    summary = asks(document)
    if summary is None:
        return None
    missing = summary["notHonored"]
    if not missing:
        return "True", "AllHonored", f"All {summary['honored']} asks of the request are honored."
    reason = (
        "Conflict"
        if any(m["status"] == "conflict" for m in missing)
        else ("Unsupported" if any(m["status"] == "unsupported" for m in missing) else "Adjusted")
    )
    listed = "; ".join(f"{m['status']}: {m['quote']!r}" for m in missing[:5])
    more = f" (+{len(missing) - 5} more)" if len(missing) > 5 else ""
    return (
        "False",
        reason,
        _cut(f"{len(missing)} asks not honored as written: {listed}{more}.", 1000),
    )


def pull_request_summary(name: str, document: Document) -> dict[str, Any]:
    """The dict ``render_pull_request_body`` reads."""
    read = sections(
        document,
        "request",
        "resources",
        "validation",
        "cost",
        "assumptions",
        "requirements",
        "required_inputs",
    )
    estimate = read.cost
    return {
        "title": f"AutCloud design {name}",
        "request": read.request,
        "resources": [
            {"address": r.address, "type": r.type, "purpose": r.reason} for r in read.resources
        ],
        "validation": [step.model_dump(mode="json") for step in read.validation.steps],
        "pillars": validation(read)["pillars"],
        "cost": {
            "monthly_usd": round(estimate.total_usd, 2),
            "budget_usd": read.budget_usd,
            "unpriced": list(estimate.unpriced),
        }
        if estimate is not None
        else None,
        "assumptions": assumptions(read),
        "asks": [entry.model_dump(mode="json") for entry in read.ledger],
        "required_inputs": [f"var.{v.name} — {v.description}" for v in read.required_inputs or []],
    }


def _strip(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _cut(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
