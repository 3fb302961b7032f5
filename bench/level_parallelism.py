"""Does the level executor generate in parallel? A provider sleeping 50 ms per resource, run
level-parallel (the workflow) and one-by-one; target speed-up ≥ 0.8 × resources ÷ levels.

Run: make bench
"""

from __future__ import annotations

import asyncio
import time

from autcloud.agent.design import run_design
from autcloud.agent.planner import plan_resources
from autcloud.agent.providers.offline import SlowProvider
from autcloud.agent.requirements import gather, read_message

REQUEST = "A containerised web API with PostgreSQL and Redis in Seoul, highly available, about 50,000 daily users"
DELAY_S = 0.05


async def main() -> None:
    provider = SlowProvider(DELAY_S)
    result = await run_design(REQUEST, assume_defaults=True, provider=provider)
    parallel_ms = result.document["timings_ms"]["generate"]
    resources = len(result.document["resources"])
    levels = len(result.document["levels"])

    requirements = gather([read_message(REQUEST)], assume_defaults=True).requirements
    plan = plan_resources(requirements)
    started = time.perf_counter()
    for spec in plan.resources:  # the same work, one resource after another
        await provider.generate(spec, requirements)
    serial_ms = (time.perf_counter() - started) * 1000

    speedup = serial_ms / parallel_ms
    ideal = resources / levels
    print(
        f"resources {resources}, dependency levels {levels}, provider delay {DELAY_S * 1000:.0f} ms"
    )
    print(f"one-by-one: {serial_ms:.0f} ms; level-parallel: {parallel_ms:.0f} ms")
    print(
        f"speed-up {speedup:.2f}x; resources/levels = {ideal:.2f}; ratio {speedup / ideal:.2f} (target >= 0.8)"
    )


if __name__ == "__main__":
    asyncio.run(main())
