"""S3 bucket names as stated: "the "contracts-inbox" bucket", "s3://acme-raw", "S3 버킷
genome-raw-data", "sales-lake 버킷" — the design's buckets carry exactly those names.

A stated name goes to the bucket whose role it names ("athena-results" → the Athena results
bucket), else to the next data bucket without a name, else to a new private data bucket.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import EveryValueParameter, declare
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.ledger import Evidence, attribute_values, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("s3_names")

KEY = "s3.bucket_names"
# Hyphenated words that describe a bucket rather than name it.
_NOT_NAMES = {
    "cross-region", "cross-account", "same-region", "multi-region", "single-region",
    "write-once", "read-only", "long-term", "short-term", "open-source", "non-public",
    "server-side", "client-side", "per-tenant", "per-user", "in-region", "standard-ia",
    "onezone-ia", "one-zone", "intelligent-tiering", "glacier-ir", "s3-compatible",
}  # fmt: skip
# The design's own buckets a name's words can point at, tried in this order; the words are in
# agent/patterns/s3_names.yaml under each bucket's name.
_ROLES = ("athena_results", "trail", "access_logs", "artifacts", "data_lake")


def _valid(name: str, quoted: bool) -> bool:
    if name != name.lower() or ".." in name or re.fullmatch(r"[\d.]+", name):
        return False
    if name in _NOT_NAMES or name.startswith(("s3.", "aws-")):
        return False
    # Unquoted, a name must look like one: a hyphen or a digit, not a plain English word.
    return quoted or bool(re.search(r"[-\d]", name))


def read_names(text: str) -> Iterator[tuple[str, Any]]:
    """All bucket names of a message, as one list (in the order they are named)."""
    found: list[tuple[int, str, str]] = []
    for index, pattern in enumerate(PATTERNS.each("names")):
        for match in pattern.finditer(text):
            name = match.group(1)
            if _valid(name, quoted=index in (1, 2)) and name not in (n for _, n, _ in found):
                found.append((match.start(), name, match.group(0).strip()))
    if found:
        found.sort()
        yield ", ".join(q for _, _, q in found), [n for _, n, _ in found]


@dataclass(frozen=True)
class BucketNamesParameter(EveryValueParameter):
    """Every stated name is some bucket's ``bucket`` (ignoring case)."""

    def find_one(self, module: TerraformModule, value: Any) -> list[Evidence]:
        name = str(value).lower()
        return [
            Evidence(address=address, attribute=self.attribute, op="==", value=value)
            for address, body in instances(module, self.type)
            if any(str(v).lower() == name for v in attribute_values(module, body, self.attribute))
        ][:1]


def _buckets(bp: Blueprint) -> list[str]:
    return [r.name for r in bp.resources if r.type == "aws_s3_bucket" and not r.data_source]


def _target(bp: Blueprint, name: str, taken: set[str]) -> str:
    buckets = [b for b in _buckets(bp) if b not in taken]
    for role in _ROLES:
        if PATTERNS[role].search(name) and role in buckets:
            return role
    from autcloud.agent.capabilities.s3_lifecycle import NOT_DATA

    data = [
        b for b in buckets if b not in NOT_DATA and "log" not in b and not b.endswith("_replica")
    ]
    if data:
        return data[0]
    local = re.sub(r"[^a-z0-9]+", "_", name).strip("_")
    local = local if re.match(r"[a-z]", local) else f"bucket_{local}"
    while bp.has(f"aws_s3_bucket.{local}"):
        local += "_data"
    add_bucket(bp, local, f"The {name} bucket the request names.")
    return local


def build(bp: Blueprint, ctx: Context) -> None:
    names = ctx.req.params.get(KEY) or []
    taken: set[str] = set()
    for name in names if isinstance(names, list) else [names]:
        local = _target(bp, str(name), taken)
        taken.add(local)
        spec = bp.find(f"aws_s3_bucket.{local}")
        if spec is None:
            continue
        spec.body.pop("bucket_prefix", None)
        body = {"bucket": str(name), **spec.body}
        spec.body.clear()
        spec.body.update(body)
        spec.reason = f"{spec.reason} Named {name}, as asked."


CAPABILITY = declare(
    "s3_names", build=build, readers={KEY: read_names}, applies=lambda req: KEY in req.params
)
