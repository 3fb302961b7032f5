"""Chat in, end to end: a message in the requests stream (a real redis-server) becomes an entry
of the InfraDesign's spec.conversation, once, through the running operator.

Mocked: only the Kubernetes API server (kmock; no real one can run here). Redis, the gateway's
enqueue path, the inbox, the operator and the design engine are real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from autcloud.events import DEAD_LETTER_KEY, REQUESTS_KEY, ChatRequest
from autcloud.gateway.streams import enqueue_request
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gateway.harness import RedisServer, free_port
from tests.operator.harness import Cluster, is_settled
from tests.operator.test_accounts_kmock import CompanionOperator, scrape
from tests.tooling import require_tool

pytestmark = pytest.mark.asyncio

SPEC = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}
GROUP = "autcloud-operator"


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(require_tool("redis-server", "chat messages travel through real Redis"))
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def start(settings: OperatorSettings) -> CompanionOperator:
    thread = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(thread.start)
    return thread


@pytest_asyncio.fixture
async def operator(
    cluster: Cluster, redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[CompanionOperator]:
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        redis_url=redis_server.url,
        pod_name="operator-0",
    )
    thread = await start(settings)
    yield thread
    await asyncio.to_thread(thread.stop)


def conversation(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list(obj.get("spec", {}).get("conversation") or [])


async def all_handled(redis: Redis, count: int) -> None:
    """Wait until the operator's group has read ``count`` entries and acknowledged them all."""
    deadline = time.monotonic() + 15
    while True:
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(REQUESTS_KEY)}
        group = groups.get(GROUP)
        if group and group["pending"] == 0 and (group.get("entries-read") or 0) >= count:
            return
        assert time.monotonic() < deadline, f"the inbox did not handle {count} entries: {group}"
        await asyncio.sleep(0.1)


async def test_a_message_sent_through_the_gateway_path_joins_the_conversation(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", SPEC)
    await cluster.wait_for("web", is_settled(), what="the first design")

    message = ChatRequest(
        namespace="default", name="web", id="msg-1", text="Add a Redis cache in front of the API"
    )
    await enqueue_request(redis, message)

    obj = await cluster.wait_for("web", lambda o: bool(conversation(o)), what="the entry")
    assert conversation(obj) == [
        {"type": "change", "text": "Add a Redis cache in front of the API", "id": "msg-1"}
    ]
    await cluster.wait_for("web", is_settled(2), what="the design revised by the message")


async def test_a_message_delivered_twice_is_appended_once(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", {**SPEC, "conversation": [{"type": "change", "text": "Seoul"}]})
    message = ChatRequest(
        namespace="default", name="web", id="msg-2", text="Use two availability zones"
    )
    await enqueue_request(redis, message)
    # Redis Streams deliver at least once: the same entry again, as after a lost XACK.
    await redis.xadd(REQUESTS_KEY, message.to_fields())  # type: ignore[arg-type]

    await all_handled(redis, 2)

    obj = await cluster.get("web")
    assert obj is not None
    ids = [turn.get("id") for turn in conversation(obj)]
    assert ids == [None, "msg-2"]


async def test_a_message_for_a_design_that_does_not_exist_is_dead_lettered(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await enqueue_request(
        redis, ChatRequest(namespace="default", name="ghost", id="msg-3", text="Add a queue")
    )

    await all_handled(redis, 1)

    [(_, fields)] = await redis.xrange(DEAD_LETTER_KEY)
    assert fields[b"id"] == b"msg-3"
    assert b"does not exist" in fields[b"reason"]


async def test_without_redis_designs_are_still_reconciled_and_the_outage_is_counted(
    cluster: Cluster, tmp_path: Path
) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        redis_url=nobody_listens,
        metrics_listen="127.0.0.1:0",
    )
    thread = await start(settings)
    try:
        await cluster.apply("web", SPEC)
        obj = await cluster.wait_for("web", is_settled(), what="a design without Redis")
        assert obj["status"]["phase"] == "Ready"

        deadline = time.monotonic() + 10
        while True:
            samples = await scrape(thread.metrics_url())
            errors = dict(
                (labels["operation"], value)
                for labels, value in samples.get("autcloud_redis_errors_total", [])
            )
            if errors.get("inbox", 0) >= 1:
                break
            assert time.monotonic() < deadline, f"no Redis outage counted: {errors}"
            await asyncio.sleep(0.2)
    finally:
        await asyncio.to_thread(thread.stop)
