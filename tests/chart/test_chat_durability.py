"""A chat message the gateway acknowledged (202) survives a restart of the chart's Redis.

The Redis is the default install's container: the rendered ``redis-server`` command line run
for real (containers.py), its /data volume a directory that outlives the process like the
PersistentVolumeClaim outlives the pod. The gateway is the real application in-process
(tests/gateway/harness.py). A restart is a SIGTERM (a rollout, a drained node: Redis flushes
the append-only file) or a SIGKILL (an OOM kill) after the one second ``appendfsync everysec``
may still hold; the rendered arguments with ``--appendonly no`` show the test can fail.
"""

from __future__ import annotations

import contextlib
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from autcloud.events import REQUESTS_KEY, ChatRequest
from tests.chart.containers import (
    Launch,
    prepare,
    running,
    unreachable_kubeconfig,
    wait_until_serving,
)
from tests.chart.rendering import scenario
from tests.gateway.harness import auth, gateway, messages_url, run

FSYNC_WINDOW_S = 1.5  # appendfsync everysec: a crash loses at most about the last second


def _redis(tmp_path: Path, *, appendonly: str = "yes") -> Launch:
    container = scenario("defaults").one("Deployment", "-redis")["spec"]["template"]["spec"][
        "containers"
    ][0]
    launch = prepare(container, tmp_path / "root", unreachable_kubeconfig(tmp_path / "kube"))
    launch.argv[launch.argv.index("--appendonly") + 1] = appendonly
    return launch


def _url(launch: Launch) -> str:
    return f"redis://127.0.0.1:{launch.argv[launch.argv.index('--port') + 1]}/0"


async def _send(base: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(messages_url(base, "team", "shop"), json=body, headers=auth()) as response,
    ):
        return response.status, await response.json(content_type=None)


async def _requests(url: str) -> list[ChatRequest]:
    redis = Redis.from_url(url)
    try:
        return [ChatRequest.from_fields(fields) for _, fields in await redis.xrange(REQUESTS_KEY)]
    finally:
        await redis.aclose()


def _restart_after_a_message(
    tmp_path: Path, stop: signal.Signals, appendonly: str = "yes"
) -> tuple[list[ChatRequest], int, dict[str, Any]]:
    """Send one message, restart Redis, and return what Redis holds and the answer to the same
    message sent again."""
    launch = _redis(tmp_path, appendonly=appendonly)
    probe = launch.container["livenessProbe"]
    with running(launch, tmp_path / "redis-1.log") as first:
        wait_until_serving(first, probe, 30)
        status, answer = run(_send_to(launch, {"text": "Add a read replica", "id": "m-1"}))
        assert (status, answer["duplicate"]) == (202, False)
        if stop == signal.SIGKILL:
            time.sleep(FSYNC_WINDOW_S)
        first.process.send_signal(stop)
        first.process.wait(30)
    with running(launch, tmp_path / "redis-2.log") as second:
        wait_until_serving(second, probe, 30)
        held = run(_requests(_url(launch)))
        again = run(_send_to(launch, {"text": "Add a read replica", "id": "m-1"}))
    return held, *again


async def _send_to(launch: Launch, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with gateway(_url(launch)) as base:
        return await _send(base, body)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_an_acknowledged_message_survives_a_redis_restart(
    tmp_path: Path, stop: signal.Signals
) -> None:
    held, status, answer = _restart_after_a_message(tmp_path, stop)

    assert [(r.namespace, r.name, r.id, r.text) for r in held] == [
        ("team", "shop", "m-1", "Add a read replica")
    ]
    # The idempotency key survived too: the same message is not queued twice.
    assert (status, answer["duplicate"]) == (202, True)


def test_without_the_append_only_file_the_message_would_be_lost(tmp_path: Path) -> None:
    held, _, answer = _restart_after_a_message(tmp_path, signal.SIGKILL, appendonly="no")

    assert held == [] and answer["duplicate"] is False


def test_a_full_redis_refuses_new_messages_instead_of_evicting_old_ones(tmp_path: Path) -> None:
    launch = _redis(tmp_path)
    at = launch.argv.index("--maxmemory") + 1
    launch.argv[at] = str(3 * 2**20)  # small, so the test fills it quickly

    async def fill_then_send() -> tuple[int, int]:
        redis = Redis.from_url(_url(launch))
        try:
            await redis.xadd(REQUESTS_KEY, {"first": "message"})
            for size in (65536, 4096, 256, 16):  # up to the last bytes maxmemory allows
                with contextlib.suppress(ResponseError):
                    for index in range(1000):
                        await redis.set(f"filler:{size}:{index}", "x" * size)
            async with gateway(_url(launch)) as base:
                status, _ = await _send(base, {"text": "one more", "id": "m-2"})
            return status, await redis.xlen(REQUESTS_KEY)
        finally:
            await redis.aclose()

    with running(launch, tmp_path / "redis.log") as started:
        wait_until_serving(started, launch.container["livenessProbe"], 30)
        status, entries = run(fill_then_send())

    assert status == 503  # refused with Retry-After: the sender retries, nothing is dropped
    assert entries == 1  # the message already queued was not evicted
