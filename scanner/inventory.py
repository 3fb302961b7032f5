"""``inventory.json``: everything a scan found, exported or not, and why not."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from autcloud.scanner.model import Found
from autcloud.scanner.runner import ScanResult

SCHEMA = "autcloud.io/scan-inventory/v1"


def inventory(result: ScanResult, addresses: Mapping[str, str]) -> dict[str, Any]:
    """The inventory as plain data. ``addresses`` maps exported keys to Terraform addresses."""
    resources = [_entry(item, addresses.get(item.key)) for item in result.resources]
    exported = sum(1 for entry in resources if entry["exported"])
    return {
        "schema": SCHEMA,
        "account": result.account,
        "region": result.region,
        "tag_filter": str(result.tag) if result.tag else None,
        "scanned_at": result.started_at,
        "summary": {
            "found": len(resources),
            "exported": exported,
            "not_exported": len(resources) - exported,
            "out_of_scope": result.out_of_scope,
            "failed_kinds": len(result.failures),
            "by_kind": dict(sorted(Counter(item.kind for item in result.resources).items())),
        },
        "cost": {
            "seconds": round(result.duration_s, 3),
            "api_calls": result.api_calls,
            "http_requests": result.http_requests,
            "by_operation": dict(sorted(result.operations.items())),
        },
        "resources": resources,
        "errors": [
            {"kind": failure.kind, "code": failure.code, "message": failure.message}
            for failure in result.failures
        ],
    }


def _entry(item: Found, address: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": item.kind,
        "id": item.key,
        "import_id": item.import_id,
        "name": item.name_hint,
        "region": item.region,
        "exported": item.exported,
        "address": address,
        "reason": item.skip_reason,
        "tags": dict(sorted(item.tags.items())),
    }
    if item.notes:
        entry["not_exported_attributes"] = list(item.notes)
    return entry


def to_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
