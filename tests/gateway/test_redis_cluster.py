"""Chat and progress events through a real Redis Cluster of three masters (cluster mode).

The cluster is three ``redis-server --cluster-enabled yes`` on 127.0.0.1, joined with
``redis-cli --cluster create``. Everything runs as in production, from the ``redis+cluster://``
URL: the gateway (real HTTP: messages in, SSE out), the operator's chat inbox (consumer group,
lease, failover, dead letters) and its event publisher. Stood in for: only the InfraDesign
API behind the inbox's ``apply`` (``FakeDesignStore``; the kmock tests cover the real one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from autcloud.events import (
    CONVERSATION_KEY_PREFIX,
    DEAD_LETTER_KEY,
    REQUESTS_KEY,
    ChatRequest,
    Done,
    MessageApplied,
    conversation_key,
    events_key,
)
from autcloud.gateway.redis_cluster import is_cluster
from autcloud.gateway.redis_url import check_redis_url, redis_from_url
from autcloud.gateway.streams import EventPublisher, idempotency_key
from autcloud.operator.chat_inbox import ApplyOutcome, ChatInbox, InboxSettings
from tests.gateway.harness import REPO, auth, events_url, gateway, messages_url, read_events, run
from tests.gateway.inbox_fakes import FakeDesignStore
from tests.gateway.redis_cluster import RedisCluster3
from tests.tooling import require_tool

DESIGNS = [f"shop-{index}" for index in range(6)]


def fast(consumer: str) -> InboxSettings:
    """Short lease and claim times, so a failover happens within the test."""
    return InboxSettings(
        consumer=consumer,
        lease_ttl_ms=300,
        block_ms=50,
        claim_idle_ms=100,
        retry_delay_s=0.01,
        max_retry_delay_s=0.05,
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster3]:
    nodes = RedisCluster3(
        require_tool("redis-server", "the cluster-mode tests run a real Redis Cluster"),
        require_tool("redis-cli", "redis-cli --cluster create joins the three masters"),
        Path(tmp_path_factory.mktemp("redis-cluster")),
    )
    nodes.start()
    yield nodes
    nodes.stop()


@pytest.fixture
def cluster_url(cluster: RedisCluster3) -> Iterator[str]:
    yield cluster.url
    run(_flush(cluster.url))


async def _flush(url: str) -> None:
    client = redis_from_url(url)
    await client.flushall()  # a cluster client sends it to every master
    await client.aclose()


def test_every_multi_key_command_names_keys_of_one_slot() -> None:
    """The requests stream's companions hash to its slot, whatever the design or message."""
    request = ChatRequest(namespace="team", name="shop", id="m-1", text="hi")
    slot = key_slot(REQUESTS_KEY.encode())
    companions = [
        DEAD_LETTER_KEY,
        conversation_key("team", "shop"),
        idempotency_key(request),
        ChatInbox(Redis(), _noop, InboxSettings(group="g"))._attempts_key,
    ]
    assert {key_slot(key.encode()) for key in companions} == {slot}
    # ... while designs' event streams spread over the cluster's slots.
    assert len({key_slot(events_key("team", name).encode()) for name in DESIGNS}) == len(DESIGNS)
    assert CONVERSATION_KEY_PREFIX.startswith("{" + REQUESTS_KEY + "}")


async def _noop(request: ChatRequest) -> ApplyOutcome:
    return ApplyOutcome.APPLIED


def test_a_cluster_url_with_a_database_other_than_0_is_refused_naming_the_fix() -> None:
    with pytest.raises(ValueError, match="only database 0"):
        check_redis_url("redis+cluster://127.0.0.1:7000/2")
    with pytest.raises(ValueError, match="HOST:PORT"):
        check_redis_url("redis+cluster://127.0.0.1:7000,:x")


async def _post(base: str, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            messages_url(base, "team", name), data=json.dumps(body), headers=auth()
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


def test_chat_through_the_gateway_is_applied_in_order_once_and_watched_over_sse(
    cluster: RedisCluster3, cluster_url: str
) -> None:
    async def scenario() -> None:
        redis = redis_from_url(cluster_url)
        await redis.ping()  # type: ignore[misc]  # a cluster client learns the slots on first use
        # The designs' streams really sit on different masters, so nothing passes by luck.
        masters = {
            redis.get_node_from_key(events_key("team", name)).name  # type: ignore[attr-defined]
            for name in DESIGNS
        }
        assert len(masters) >= 2

        store = FakeDesignStore()
        publisher = EventPublisher(redis)
        await publisher.start()

        async def apply(request: ChatRequest) -> ApplyOutcome:
            await asyncio.sleep(0.05)  # the PATCH's round trip: the failover lands mid-stream
            outcome = await store.apply(request)
            # Reported for a redelivery too: a consumer killed between the patch and this
            # line never reported it (at least once, so a watcher may see an id twice).
            if outcome is not ApplyOutcome.NOT_MINE:
                publisher.emit(
                    request.namespace, request.name, MessageApplied(message_id=request.id)
                )
            return outcome

        store.missing.add(("team", "shop-5"))  # dead-lettered: an error event on its stream
        sent: dict[str, list[str]] = {}
        async with (
            gateway(cluster_url, message_burst=1000) as base,
            aiohttp.ClientSession() as session,
        ):
            watchers = {
                name: asyncio.create_task(
                    read_events(session, events_url(base, "team", name), params={"until": "done"})
                )
                for name in DESIGNS
            }
            for index in range(60):
                name = DESIGNS[index % len(DESIGNS)]
                body = {"text": f"change {index}", "id": f"m-{index}"}
                status, answer = await _post(base, name, body)
                assert (status, answer["duplicate"]) == (202, False), answer
                sent.setdefault(name, []).append(f"m-{index}")
            # Idempotency: a retry is the same entry, another text under the id a 409.
            status, again = await _post(base, "shop-0", {"text": "change 0", "id": "m-0"})
            assert (status, again["duplicate"]) == (202, True)
            status, _ = await _post(base, "shop-0", {"text": "other", "id": "m-0"})
            assert status == 409

            first = ChatInbox(redis, apply, fast("op-a"))
            second_client = redis_from_url(cluster_url)
            second = ChatInbox(second_client, apply, fast("op-b"))
            leading = asyncio.create_task(first.run())
            async with asyncio.timeout(30):
                while sum(map(len, store.conversations.values())) < 20:
                    await asyncio.sleep(0.01)
            assert first.health().leader
            standing_by = asyncio.create_task(second.run())
            await asyncio.sleep(0.1)
            assert second.health().reason == "InboxStandby"
            # The leader dies mid-stream, holding the lease: the other takes over.
            leading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leading
            async with asyncio.timeout(30):
                while sum(map(len, store.conversations.values())) < 50:
                    await asyncio.sleep(0.02)
                while (await redis.xpending(REQUESTS_KEY, "autcloud-operator"))["pending"]:
                    await asyncio.sleep(0.02)
            assert second.health().reason == "InboxReady"
            assert second.applied > 0  # it took over the dead leader's pending entries
            for name in DESIGNS:
                publisher.emit("team", name, Done(phase="Ready", ok=True))
            seen = {name: await asyncio.wait_for(task, 30) for name, task in watchers.items()}
            standing_by.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await standing_by
            await second_client.aclose()

        # Every message applied once, in the order sent; the missing design's dead-lettered.
        applied = {key[1]: ids for key, ids in store.conversations.items()}
        assert applied == {name: ids for name, ids in sent.items() if name != "shop-5"}
        dead = await redis.xrange(DEAD_LETTER_KEY)
        assert sorted(fields[b"id"].decode() for _, fields in dead) == sorted(sent["shop-5"])
        # Each watcher saw its own design's events only, in order, ending with done.
        for name, events in seen.items():
            kinds = [event.event for event in events]
            assert kinds[-1] == "done"
            if name == "shop-5":  # at least once: a failover may repeat one
                assert set(kinds[:-1]) == {"error"}
                errors = [event.json()["message_id"] for event in events[:-1]]
                assert list(dict.fromkeys(errors)) == sent[name]
                continue
            ids = [event.json()["message_id"] for event in events[:-1]]
            assert list(dict.fromkeys(ids)) == sent[name], name
        # The gateway's count of each design's conversation, in the requests stream's slot.
        count = await redis.hgetall(conversation_key("team", "shop-0"))  # type: ignore[misc]
        assert int(count[b"accepted"]) == len(sent["shop-0"])
        await publisher.aclose()
        await redis.aclose()

    run(scenario(), timeout_s=120)


def test_the_publisher_writes_interleaved_designs_across_slots_in_order(
    cluster_url: str,
) -> None:
    async def scenario() -> None:
        redis = redis_from_url(cluster_url)
        publisher = EventPublisher(redis, batch_size=50)
        await publisher.start()
        for index in range(300):  # batches mixing six designs, hence several slots
            name = DESIGNS[index % len(DESIGNS)]
            publisher.emit("team", name, MessageApplied(message_id=f"e-{index}"))
        assert await publisher.flush(20)
        assert publisher.health().reason == "EventsFlowing"
        for offset, name in enumerate(DESIGNS):
            entries = await redis.xrange(events_key("team", name))
            ids = [json.loads(fields[b"data"])["message_id"] for _, fields in entries]
            assert ids == [f"e-{index}" for index in range(offset, 300, len(DESIGNS))]
        await publisher.aclose()
        await redis.aclose()

    run(scenario())


def test_a_cluster_outage_is_a_503_and_chat_and_events_resume_after_it(
    tmp_path: Path,
) -> None:
    nodes = RedisCluster3(
        require_tool("redis-server", "the cluster-mode tests run a real Redis Cluster"),
        require_tool("redis-cli", "redis-cli --cluster create joins the three masters"),
        tmp_path,
    )
    nodes.start()

    async def scenario() -> None:
        redis = redis_from_url(nodes.url, socket_connect_timeout=1)
        publisher = EventPublisher(redis, max_retry_delay_s=0.2)
        await publisher.start()
        store = FakeDesignStore()
        inbox = ChatInbox(
            redis_from_url(nodes.url, socket_connect_timeout=1), store.apply, fast("op")
        )
        inbox_task = asyncio.create_task(inbox.run())
        async with gateway(nodes.url) as base, aiohttp.ClientSession() as session:
            status, _ = await _post(base, "shop-0", {"text": "before", "id": "m-1"})
            assert status == 202
            async with asyncio.timeout(20):
                while not store.conversations.get(("team", "shop-0")):
                    await asyncio.sleep(0.05)

            await asyncio.to_thread(nodes.stop)
            status, problem = await _post(base, "shop-0", {"text": "during", "id": "m-2"})
            assert (status, problem["reason"]) == (503, "RedisUnavailable")
            async with session.get(f"{base}/readyz") as ready:
                assert ready.status == 503
            publisher.emit("team", "shop-0", MessageApplied(message_id="kept"))
            async with asyncio.timeout(10):
                while publisher.health().connected or inbox.health().connected:
                    await asyncio.sleep(0.05)
            assert publisher.health().reason == "RedisUnavailable"
            assert inbox.health().reason == "RedisUnavailable"

            await asyncio.to_thread(nodes.restart)  # empty: the nodes keep nothing on disk
            async with asyncio.timeout(30):
                while (await _post(base, "shop-0", {"text": "after", "id": "m-3"}))[0] != 202:
                    await asyncio.sleep(0.2)
                while store.conversations.get(("team", "shop-0")) != ["m-1", "m-3"]:
                    await asyncio.sleep(0.05)
            assert await publisher.flush(10)  # the event buffered in the outage is delivered
            [(_, fields)] = await redis.xrange(events_key("team", "shop-0"))
            assert json.loads(fields[b"data"])["message_id"] == "kept"
        inbox_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await inbox_task
        await publisher.aclose()
        await redis.aclose()

    try:
        run(scenario(), timeout_s=90)
    finally:
        nodes.stop()


def test_the_chart_takes_the_cluster_url_the_components_open() -> None:
    """redis.url in the chart's schema admits what redis_from_url opens as a cluster."""
    schema = json.loads((REPO / "charts/autcloud/values.schema.json").read_text())
    pattern = re.compile(schema["properties"]["redis"]["properties"]["url"]["pattern"])
    for url in ("redis+cluster://node-1:6379,node-2:6379", "rediss+cluster://config.example:6379"):
        assert pattern.match(url), url
        check_redis_url(url)
        assert is_cluster(redis_from_url(url))
