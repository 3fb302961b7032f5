"""The core capabilities: built by the planner's core pass (agent/planner.py), declared here so
the ledger can prove them, the diagram can style them and the scanner can meet them.

What each is lives in capabilities.yaml (under "core.py"). None has a builder here; moving one
into a module of its own with a builder is how the core pass shrinks (docs/design-engine.md,
"Capabilities").
"""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.requirements import Requirements

_KEYS = (
    # workloads
    "web_api",
    "static_site",
    "serverless",
    "containers",
    "kubernetes",
    "vm",
    "data_pipeline",
    "batch_ml",
    "realtime",
    "queue_workers",
    # engines
    "postgres",
    "mysql",
    "aurora_postgresql",
    "aurora_mysql",
    "dynamodb",
    # features
    "cache",
    "object_storage",
    "cdn",
    "waf",
    "queue",
    "topic",
    "stream",
    "schedule",
    "data_lake",
    "batch",
    "dns",
    "api_gateway",
    "websocket",
    "load_balancer",
    # foundations
    "kms",
    "network",
)


def _built_by_core_pass(req: Requirements) -> bool:
    return False  # the core pass builds it from the requirements


CAPABILITIES = [declare(key, applies=_built_by_core_pass) for key in _KEYS]
