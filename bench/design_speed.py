"""How fast is a design? In-process time for a ~40+-resource request, and whole-CLI wall time.

Prints the figures; docs/benchmarks.md keeps the latest results. Run: make bench
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import forget_parsed

REQUEST = (
    "A containerised web API with PostgreSQL and Redis in Seoul, highly available, "
    "about 50,000 daily users, S3 uploads, a job queue, alerts to ops@example.com, budget 800 USD a month"
)
RUNS = 15


async def in_process() -> tuple[list[float], list[float], int]:
    totals, without_validation = [], []
    resources = 0
    for _ in range(RUNS):
        forget_parsed()  # every run parses its Terraform, as a new request would
        result = await run_design(REQUEST, assume_defaults=True)
        timings = result.document["timings_ms"]
        totals.append(timings["total"])
        without_validation.append(timings["total"] - timings.get("validate", 0.0))
        resources = len(result.document["resources"])
    return totals, without_validation, resources


def cli_wall_time() -> list[float]:
    """As a user runs it: Python's bytecode cache on (some sandboxes set PYTHONDONTWRITEBYTECODE,
    which makes every start compile ~200 modules), after one warm-up run that writes the cache."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for attempt in range(7):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "autcloud",
                    "design",
                    REQUEST,
                    "--out",
                    out,
                    "--yes",
                    "--json",
                ],
                check=True,
                capture_output=True,
                env=environment,
            )
            if attempt:  # the first run writes the bytecode cache
                times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    asyncio.run(run_design(REQUEST, assume_defaults=True))  # warm imports and caches
    gc.freeze()  # as `autcloud design` and the operator do once their modules are imported
    totals, without_validation, resources = asyncio.run(in_process())
    cli = cli_wall_time()
    print(f"request: {REQUEST}")
    print(f"resources designed: {resources}")
    print(
        f"in-process design, validation excluded: median {statistics.median(without_validation):.1f} ms "
        f"(min {min(without_validation):.1f}, max {max(without_validation):.1f}) over {RUNS} runs"
    )
    print(f"in-process design incl. quick validation: median {statistics.median(totals):.1f} ms")
    print(
        f"whole CLI wall time (process start to exit, quick validation): median {statistics.median(cli):.0f} ms"
    )


if __name__ == "__main__":
    main()
