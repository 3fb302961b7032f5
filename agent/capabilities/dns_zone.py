"""The Route 53 hosted zone named as stated. An application served on a subdomain
("media.example.tv (Route 53 zone example.tv)", "도메인은 app.example.app 이고 Route 53 호스팅
존(example.app)") lives in the zone of the parent domain: the zone takes that name and the records
for the subdomain go into it. A zone name that is not the domain or one of its parents is ignored.
The core planner builds it (agent/catalog/edge.py add_dns: var.dns_zone_name)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.lexicon import domain_pattern

_DOMAIN = domain_pattern().pattern
_ZONE = re.compile(
    r"(?:hosted\s+)?zone\s*[(:]?\s*(?:for\s+|of\s+)?"
    + _DOMAIN
    + r"|(?:호스팅\s*)?(?:존|영역)\s*[(:]?\s*"
    + _DOMAIN,
    re.I,
)


def _read_zone(text: str) -> Iterator[tuple[str, Any]]:
    for match in _ZONE.finditer(text):
        name = next((g for g in match.groups() if g), None)
        if name:
            yield match.group(0).strip(), name.lower().rstrip(".")


CAPABILITY = declare("dns_zone", readers={"dns.zone_name": _read_zone})
