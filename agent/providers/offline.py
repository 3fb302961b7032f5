"""The built-in offline provider: deterministic, renders each resource from the catalog."""

from __future__ import annotations

import asyncio

from autcloud.agent.catalog.base import ResourceSpec
from autcloud.agent.requirements import Requirements


class OfflineProvider:
    """No model, no network: the catalog's own rendering. The default provider."""

    name = "offline"

    async def generate(self, spec: ResourceSpec, requirements: Requirements) -> str:
        return spec.to_block().render()


class SlowProvider(OfflineProvider):
    """The offline provider plus a fixed delay per resource: stands in for an LLM's latency in benchmarks."""

    name = "offline-slow"

    def __init__(self, delay_seconds: float) -> None:
        self.delay_seconds = delay_seconds

    async def generate(self, spec: ResourceSpec, requirements: Requirements) -> str:
        await asyncio.sleep(self.delay_seconds)
        return await super().generate(spec, requirements)
