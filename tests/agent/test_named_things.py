"""A quoted name of a thing names it; it asks for no service: the "batch" namespace of a Fargate
profile is neither AWS Batch nor a Redshift namespace (both were built before)."""

from __future__ import annotations

import asyncio

from autcloud.agent.design import run_design
from autcloud.agent.requirements import blank_quoted_names

EKS = (
    "EKS 1.30 in Frankfurt, managed node group of m6i.large, and a Fargate profile for the "
    '"batch" namespace.'
)


def test_a_quoted_kubernetes_namespace_builds_no_batch_and_no_warehouse() -> None:
    result = asyncio.run(run_design(EKS, assume_defaults=True))
    addresses = [r["address"] for r in result.document["resources"]]
    assert not [a for a in addresses if a.startswith(("aws_batch", "aws_redshift"))]
    keys = {entry["key"] for entry in result.document["requirements"]["ledger"]}
    assert not keys & {"redshift.namespace", "feature.batch", "workload.batch_ml"}
    assert "eks.fargate_namespace" in keys


def test_a_warehouse_namespace_is_still_read() -> None:
    result = asyncio.run(
        run_design(
            'Redshift Serverless warehouse with the namespace "analytics"', assume_defaults=True
        )
    )
    ledger = {e["key"]: e for e in result.document["requirements"]["ledger"]}
    assert (ledger["redshift.namespace"]["value"], ledger["redshift.namespace"]["status"]) == (
        "analytics",
        "honored",
    )


def test_only_the_names_of_things_are_blanked_and_the_length_is_kept() -> None:
    text = 'topic "orders", queue named "jobs", "users" 테이블, and use "Redis" for sessions'
    blanked = blank_quoted_names(text)
    assert len(blanked) == len(text)
    assert '"orders"' not in blanked and '"jobs"' not in blanked and '"users"' not in blanked
    assert '"Redis"' in blanked
