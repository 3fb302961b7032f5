"""Operator processes killed with SIGKILL mid-stream: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from autcloud.events import REQUESTS_KEY
from tests.gateway.harness import REPO, run
from tests.gateway.test_chat_inbox import send


def test_sigkilled_consumers_lose_nothing_and_apply_nothing_twice(
    redis_url: str, tmp_path: Path
) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        rng = random.Random(5)
        sent: dict[tuple[str, str], list[str]] = {}
        for batch in range(12):
            for design, ids in (await send(redis, 25, start=batch * 25)).items():
                sent.setdefault(design, []).extend(ids)

        def start(consumer: str) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.gateway.inbox_worker",
                    redis_url,
                    str(tmp_path),
                    consumer,
                ],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        def applied() -> int:
            return sum(len(p.read_text().split()) for p in tmp_path.iterdir())

        for kill in range(10):
            worker = start("op-0" if kill % 2 else f"op-{kill}")
            # Kill once it has applied something more, so each kill lands mid-stream.
            before = applied()
            for _ in range(200):
                await asyncio.sleep(0.02)
                if applied() > before + rng.randint(0, 20):
                    break
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        worker = start("op-last")
        try:
            for _ in range(500):
                if applied() >= 300:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        stored = {
            ("team", p.name.split("_", 1)[1]): p.read_text().split() for p in tmp_path.iterdir()
        }
        assert stored == sent
        assert (await redis.xpending(REQUESTS_KEY, "autcloud-operator"))["pending"] == 0
        await redis.aclose()

    run(scenario(), timeout_s=120)
