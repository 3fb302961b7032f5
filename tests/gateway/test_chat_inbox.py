"""ChatInbox: each message applied to its design once in effect, in order per design."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from redis.asyncio import Redis

from autcloud.events import (
    DEAD_LETTER_KEY,
    REQUESTS_KEY,
    ChatRequest,
    Error,
    events_key,
    from_fields,
)
from autcloud.gateway.streams import enqueue_request
from autcloud.operator.chat_inbox import ChatInbox, InboxSettings
from tests.gateway.harness import RedisServer, run
from tests.gateway.inbox_fakes import FakeDesignStore

FAST = {
    "lease_ttl_ms": 150,
    "block_ms": 50,
    "claim_idle_ms": 50,
    "retry_delay_s": 0.01,
    "max_retry_delay_s": 0.05,
}


def settings(consumer: str, **overrides: Any) -> InboxSettings:
    return InboxSettings(consumer=consumer, **{**FAST, **overrides})


async def send(
    redis: Redis, count: int, designs: int = 5, start: int = 0
) -> dict[tuple[str, str], list[str]]:
    """Enqueue messages round-robin over designs; returns each design's ids in sent order."""
    sent: dict[tuple[str, str], list[str]] = {}
    for index in range(start, start + count):
        name = f"design-{index % designs}"
        request = ChatRequest(namespace="team", name=name, id=f"m{index}", text=f"change {index}")
        await enqueue_request(redis, request)
        sent.setdefault(("team", name), []).append(request.id)
    return sent


async def until(condition: Any, timeout_s: float = 20) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(inbox: ChatInbox) -> Any:
    task = asyncio.create_task(inbox.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_messages_are_applied_in_order_per_design_and_acknowledged(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        store = FakeDesignStore()
        sent = await send(redis, 60)
        inbox = ChatInbox(redis, store.apply, settings("op-a"))
        async with running(inbox):
            await until(lambda: store.conversations == sent)
            await until(lambda: inbox.applied == 60)
        pending = await redis.xpending(REQUESTS_KEY, "autcloud-operator")
        assert pending["pending"] == 0
        assert inbox.health().reason == "InboxReady"
        await redis.aclose()

    run(scenario())


def test_many_kills_mid_message_lose_nothing_and_apply_nothing_twice(redis_url: str) -> None:
    """While messages keep arriving, consumers are killed (their task cancelled, no cleanup)
    60 times at random moments, half of them right inside ``apply``: before the patch, or
    after it but before the acknowledgement. Each replacement is either the same instance
    restarted or a new one that must reclaim the dead one's pending entries."""

    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        rng = random.Random(42)
        store = FakeDesignStore(rng)
        sent: dict[tuple[str, str], list[str]] = {}

        async def keep_sending() -> None:
            for batch in range(40):
                for design, ids in (await send(redis, 10, start=batch * 10)).items():
                    sent.setdefault(design, []).extend(ids)
                await asyncio.sleep(0.05)

        sending = asyncio.create_task(keep_sending())
        clients: list[Redis] = []
        for kill in range(60):
            consumer = "op-0" if rng.random() < 0.5 else f"op-{kill + 1}"
            client = Redis.from_url(redis_url)
            clients.append(client)
            task = asyncio.create_task(
                ChatInbox(client, store.apply, settings(consumer, max_attempts=100)).run()
            )
            if rng.random() < 0.5:
                phase = rng.choice(["before-patch", "after-patch"])

                def kill_at(seen: str, task: asyncio.Task[None] = task, phase: str = phase) -> None:
                    if seen == phase:
                        task.cancel()

                store.on_phase = kill_at
                await asyncio.wait({task}, timeout=0.5)
            else:
                await asyncio.sleep(rng.uniform(0.005, 0.2))
            task.cancel()
            store.on_phase = lambda seen: None
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await sending
        final = ChatInbox(redis, store.apply, settings("op-final", max_attempts=100))
        async with running(final):
            await until(lambda: sum(map(len, store.conversations.values())) == 400, 30)
            await asyncio.sleep(0.3)
        assert store.conversations == sent  # nothing lost, nothing twice, order kept
        assert store.redeliveries > 0  # kills did land between patch and ack
        assert (await redis.xpending(REQUESTS_KEY, "autcloud-operator"))["pending"] == 0
        assert await redis.xlen(DEAD_LETTER_KEY) == 0
        for client in clients:
            await client.aclose()
        await redis.aclose()

    run(scenario(), timeout_s=120)


def test_a_standby_instance_takes_over_when_the_leader_dies(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        store = FakeDesignStore()
        stuck = asyncio.Event()
        leader_store_apply = store.apply

        async def hanging_apply(request: ChatRequest) -> Any:
            stuck.set()
            await asyncio.Event().wait()  # the leader hangs mid-message, then dies
            return await leader_store_apply(request)

        sent = await send(redis, 20, designs=2)
        leader = asyncio.create_task(
            ChatInbox(Redis.from_url(redis_url), hanging_apply, settings("op-leader")).run()
        )
        await asyncio.wait_for(stuck.wait(), 5)
        standby = ChatInbox(redis, store.apply, settings("op-standby"))
        async with running(standby):
            await asyncio.sleep(0.1)
            assert standby.health().reason == "InboxStandby"
            leader.cancel()
            await until(lambda: store.conversations == sent)
            assert standby.health().leader
        await redis.aclose()

    run(scenario())


def test_a_message_that_keeps_failing_goes_to_the_dead_letter_stream(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        store = FakeDesignStore()
        store.failing["m1"] = "the API server refused the patch"
        sent = await send(redis, 6, designs=1)
        reported: list[tuple[str, str, str]] = []

        async def on_dead_letter(request: ChatRequest, reason: str, message: str) -> None:
            reported.append((request.id, reason, message))

        inbox = ChatInbox(
            redis, store.apply, settings("op-a", max_attempts=3), on_dead_letter=on_dead_letter
        )
        async with running(inbox):
            await until(lambda: len(store.conversations.get(("team", "design-0"), [])) == 5)
        [(_, dead)] = await redis.xrange(DEAD_LETTER_KEY)
        assert dead[b"id"] == b"m1"
        assert dead[b"attempts"] == b"3"
        assert b"the API server refused the patch" in dead[b"reason"]
        # Not silent: an error event on the design's stream, and the operator's hook told.
        [(_, fields)] = await redis.xrange(events_key("team", "design-0"))
        error = from_fields(fields)
        assert isinstance(error, Error)
        assert (error.reason, error.message_id) == ("ApplyFailed", "m1")
        assert "after 3 attempts" in error.message
        assert "the API server refused the patch" in error.message
        assert reported == [("m1", "ApplyFailed", error.message)]
        # The later messages of that design still came, in order.
        assert store.conversations[("team", "design-0")] == [
            m for m in sent[("team", "design-0")] if m != "m1"
        ]
        await redis.aclose()

    run(scenario())


def test_a_message_for_a_missing_design_is_dead_lettered_at_once(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        store = FakeDesignStore()
        store.missing.add(("team", "design-0"))
        await send(redis, 1, designs=1)
        inbox = ChatInbox(redis, store.apply, settings("op-a"))
        async with running(inbox):
            await until(lambda: inbox.dead_lettered == 1)
        [(_, dead)] = await redis.xrange(DEAD_LETTER_KEY)
        assert dead[b"attempts"] == b"1" and dead[b"reason"].startswith(b"permanent:")
        await redis.aclose()

    run(scenario())


def test_a_malformed_entry_is_dead_lettered_with_the_reason(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        await redis.xadd(REQUESTS_KEY, {"namespace": "team", "name": "shop", "id": "x"})
        inbox = ChatInbox(redis, FakeDesignStore().apply, settings("op-a"))
        async with running(inbox):
            await until(lambda: inbox.dead_lettered == 1)
        [(_, dead)] = await redis.xrange(DEAD_LETTER_KEY)
        assert b"'text'" in dead[b"reason"]
        await redis.aclose()

    run(scenario())


def test_messages_for_designs_of_another_deployment_are_acknowledged_untouched(
    redis_url: str,
) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        store = FakeDesignStore()
        store.foreign.add(("team", "design-0"))
        await send(redis, 4, designs=2)
        inbox = ChatInbox(redis, store.apply, settings("op-a"))
        async with running(inbox):
            await until(lambda: store.calls == 4 and inbox.applied == 2)
            await asyncio.sleep(0.1)
        assert ("team", "design-0") not in store.conversations
        assert (await redis.xpending(REQUESTS_KEY, "autcloud-operator"))["pending"] == 0
        await redis.aclose()

    run(scenario())


def test_the_inbox_survives_a_redis_outage_and_reports_it(redis_server: RedisServer) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_server.url, socket_connect_timeout=1)
        store = FakeDesignStore()
        inbox = ChatInbox(redis, store.apply, settings("op-a"))
        async with running(inbox) as task:
            await until(lambda: inbox.health().leader)
            redis_server.stop()
            await until(lambda: inbox.health().reason == "RedisUnavailable", 5)
            assert not task.done()
            redis_server.start()
            await send(redis, 3, designs=1)
            await until(lambda: inbox.applied == 3, 10)
            assert inbox.health().reason == "InboxReady"
        await redis.aclose()

    run(scenario())
