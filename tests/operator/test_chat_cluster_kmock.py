"""The running operator on a Redis Cluster: chat in and progress events out, end to end.

A real cluster of three masters on 127.0.0.1 (``tests/gateway/redis_cluster.py``), the operator
given its ``redis+cluster://`` URL exactly as the chart passes ``redis.url``, the gateway's
enqueue path writing messages. Mocked: only the Kubernetes API server (kmock).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from autcloud.events import (
    DEAD_LETTER_KEY,
    REQUESTS_KEY,
    ChatRequest,
    Done,
    conversation_key,
    events_key,
    from_fields,
)
from autcloud.gateway.redis_url import redis_from_url
from autcloud.gateway.streams import enqueue_request
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gateway.redis_cluster import RedisCluster3
from tests.operator.harness import Cluster, is_settled
from tests.operator.test_accounts_kmock import CompanionOperator
from tests.tooling import require_tool

pytestmark = pytest.mark.asyncio

SPEC = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}


@pytest.fixture
def redis_cluster(tmp_path: Path) -> Iterator[RedisCluster3]:
    nodes = RedisCluster3(
        require_tool("redis-server", "the cluster-mode tests run a real Redis Cluster"),
        require_tool("redis-cli", "redis-cli --cluster create joins the three masters"),
        tmp_path / "redis-cluster",
    )
    nodes.start()
    yield nodes
    nodes.stop()


@pytest_asyncio.fixture
async def redis(redis_cluster: RedisCluster3) -> AsyncIterator[Redis]:
    client = redis_from_url(redis_cluster.url)
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def operator(
    cluster: Cluster, redis_cluster: RedisCluster3, tmp_path: Path
) -> AsyncIterator[CompanionOperator]:
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        redis_url=redis_cluster.url,
        pod_name="operator-0",
    )
    thread = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(thread.start)
    yield thread
    await asyncio.to_thread(thread.stop)


async def test_the_operator_applies_chat_and_publishes_progress_through_a_cluster(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", SPEC)
    await cluster.wait_for("web", is_settled(), what="the first design")
    for index in range(3):
        await enqueue_request(
            redis,
            ChatRequest(namespace="default", name="web", id=f"m-{index}", text=f"change {index}"),
        )
    await enqueue_request(  # a design that does not exist: dead-lettered, with an error event
        redis, ChatRequest(namespace="default", name="ghost", id="g-1", text="Add a queue")
    )

    obj = await cluster.wait_for(
        "web",
        lambda o: len((o.get("spec") or {}).get("conversation") or []) == 3,
        what="the three entries",
    )
    assert [turn["id"] for turn in obj["spec"]["conversation"]] == ["m-0", "m-1", "m-2"]
    # The status describes the spec that holds all three (each message is its own generation).
    await cluster.wait_for(
        "web", is_settled(), timeout=60, what="the design revised by the messages"
    )

    deadline = time.monotonic() + 20
    while not await redis.xlen(DEAD_LETTER_KEY):
        assert time.monotonic() < deadline, "the ghost's message was not dead-lettered"
        await asyncio.sleep(0.1)
    groups = await redis.xinfo_groups(REQUESTS_KEY)
    assert [group["pending"] for group in groups] == [0]
    count = await redis.hgetall(conversation_key("default", "web"))  # type: ignore[misc]
    assert count[b"size"] == b"3"
    # The runs' progress reached the design's stream (its own slot), ending with done.
    events = [from_fields(fields) for _, fields in await redis.xrange(events_key("default", "web"))]
    assert any(isinstance(event, Done) for event in events)
    ghost = [from_fields(f) for _, f in await redis.xrange(events_key("default", "ghost"))]
    assert [(event.type.value, getattr(event, "reason", "")) for event in ghost] == [
        ("error", "DesignNotFound")
    ]
