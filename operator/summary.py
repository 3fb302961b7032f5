"""From the design engine's design.json to the InfraDesign status sections and the commit.

Every list is capped as the CRD caps it, so a large design never makes the status update fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

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


def questions(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    result = []
    for question in _dicts(document.get("questions"))[:MAX_QUESTIONS]:
        item: dict[str, Any] = {
            "id": _cut(question.get("id"), 63),
            "text": _cut(question.get("text"), 2000),
        }
        if question.get("default") not in (None, ""):
            item["default"] = _cut(question.get("default"), 500)
        choices = question.get("choices")
        if isinstance(choices, list) and choices:
            item["choices"] = [_cut(choice, 200) for choice in choices[:20]]
        result.append(item)
    return result


def assumptions(document: Mapping[str, Any]) -> list[str]:
    values = document.get("assumptions") or []
    return [_cut(value, 500) for value in values[:MAX_ASSUMPTIONS]]


def resources(document: Mapping[str, Any]) -> dict[str, Any]:
    planned = _dicts(document.get("resources"))
    by_type = Counter(str(resource.get("type", "")) for resource in planned)
    items = []
    for resource in planned[:MAX_ITEMS]:
        item: dict[str, Any] = {
            "address": _cut(resource.get("address"), 512),
            "type": _cut(resource.get("type"), 128),
        }
        if isinstance(resource.get("level"), int):
            item["level"] = resource["level"]
        if resource.get("reason"):
            item["reason"] = _cut(resource.get("reason"), 500)
        items.append(item)
    return {
        "count": len(planned),
        "levels": len(document.get("levels") or []),
        "byType": [
            {"type": _cut(kind, 128), "count": count}
            for kind, count in sorted(by_type.items(), key=lambda pair: (-pair[1], pair[0]))
        ][:MAX_BY_TYPE],
        "items": items,
        "truncated": len(planned) > MAX_ITEMS,
    }


def validation(document: Mapping[str, Any]) -> dict[str, Any]:
    report = document.get("validation")
    report = report if isinstance(report, Mapping) else {}
    steps = []
    for step in _dicts(report.get("steps"))[:MAX_STEPS]:
        status = step.get("status")
        item: dict[str, Any] = {
            "name": _cut(step.get("name"), 63),
            "status": status if status in ("passed", "failed", "skipped") else "skipped",
            "durationMs": max(0, round(float(step.get("duration_ms") or 0))),
            "findings": len(step.get("findings") or []),
        }
        if step.get("reason"):
            item["reason"] = _cut(step.get("reason"), 1024)
        steps.append(item)
    pillars = []
    for pillar in _dicts(report.get("pillars")):
        name = PILLARS.get(str(pillar.get("pillar")))
        if name is None:
            continue
        entry: dict[str, Any] = {
            "pillar": name,
            "assessed": pillar.get("score") is not None,
            "failing": [_cut(check, 256) for check in (pillar.get("failing") or [])][:MAX_FAILING],
        }
        if entry["assessed"]:  # no check ran: no score, rather than a perfect one
            entry["score"] = max(0, min(100, round(float(pillar["score"]))))
        pillars.append(entry)
    return {"passed": bool(report.get("passed")), "steps": steps, "pillars": pillars}


def cost(document: Mapping[str, Any]) -> dict[str, Any] | None:
    estimate = document.get("cost")
    if not isinstance(estimate, Mapping) or estimate.get("total_usd") is None:
        return None
    result: dict[str, Any] = {"monthlyUSD": round(float(estimate["total_usd"]), 2)}
    if estimate.get("total_krw") is not None:
        result["monthlyKRW"] = round(float(estimate["total_krw"]))
    if estimate.get("as_of"):
        result["asOf"] = str(estimate["as_of"])
    return result


def stable_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """design.json as committed: the document without timings."""
    stripped = _strip(document)
    assert isinstance(stripped, dict)
    return stripped


def design_json(document: Mapping[str, Any]) -> bytes:
    text = json.dumps(stable_document(document), indent=2, ensure_ascii=False, sort_keys=True)
    return (text + "\n").encode()


MAX_NOT_HONORED = 30


def asks(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """status.asks: counts by status and every ask not simply honored, with why."""
    requirements = document.get("requirements")
    ledger = _dicts(requirements.get("ledger")) if isinstance(requirements, Mapping) else []
    if not ledger:
        return None
    counts = {"honored": 0, "adjusted": 0, "unsupported": 0, "conflict": 0}
    not_honored: list[dict[str, str]] = []
    for entry in ledger:
        status = str(entry.get("status"))
        if status in counts:
            counts[status] += 1
        if status in ("adjusted", "unsupported", "conflict"):
            not_honored.append(
                {
                    "status": status,
                    "quote": _cut(entry.get("quote"), 200),
                    "key": _cut(entry.get("key"), 100),
                    "why": _cut(entry.get("why"), 400),
                }
            )
    return {**counts, "notHonored": not_honored[:MAX_NOT_HONORED]}


def asks_condition(document: Mapping[str, Any]) -> tuple[str, str, str] | None:
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


def pull_request_summary(name: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """The dict ``render_pull_request_body`` reads."""
    estimate = cost(document)
    hints = document.get("requirements") or {}
    budget = hints.get("budget") if isinstance(hints, Mapping) else None
    report = document.get("validation") or {}
    return {
        "title": f"AutCloud design {name}",
        "request": document.get("request", ""),
        "resources": [
            {"address": r.get("address"), "type": r.get("type"), "purpose": r.get("reason")}
            for r in _dicts(document.get("resources"))
        ],
        "validation": _dicts(report.get("steps")) if isinstance(report, Mapping) else [],
        "pillars": validation(document)["pillars"],
        "cost": {
            "monthly_usd": estimate["monthlyUSD"],
            "budget_usd": budget,
            "unpriced": list((document.get("cost") or {}).get("unpriced") or []),
        }
        if estimate
        else None,
        "assumptions": assumptions(document),
        "asks": _dicts((hints or {}).get("ledger")) if isinstance(hints, Mapping) else [],
        "required_inputs": [
            f"var.{v.get('name')} — {v.get('description', '')}"
            for v in _dicts(document.get("required_inputs"))
        ],
    }


def _strip(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value or [] if isinstance(item, Mapping)]


def _cut(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
