"""EventPublisher: the operator's side of progress events."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from redis.asyncio import Redis

from autcloud.events import EventSchemaError, NodeStarted, TokenDelta, events_key, tokens_channel
from autcloud.gateway.streams import EventPublisher
from tests.gateway.harness import RedisServer, run


def test_an_event_becomes_a_stream_entry_with_event_and_data_fields(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        entry_id = await EventPublisher(redis).publish("team", "shop", NodeStarted(node="plan"))
        [(ident, fields)] = await redis.xrange(events_key("team", "shop"))
        await redis.aclose()
        assert ident.decode() == entry_id
        assert set(fields) == {b"event", b"data"}
        assert fields[b"event"] == b"node.started"
        assert json.loads(fields[b"data"])["node"] == "plan"

    run(scenario())


def test_the_stream_length_stays_bounded(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        publisher = EventPublisher(redis, maxlen=100)
        await publisher.start()
        for step in range(2000):
            publisher.emit("team", "shop", NodeStarted(node=str(step)))
        assert await publisher.flush()
        length = await redis.xlen(events_key("team", "shop"))
        await publisher.aclose()
        await redis.aclose()
        assert 100 <= length < 300  # MAXLEN ~ trims whole nodes, so "about" 100

    run(scenario())


def test_the_agents_plain_dicts_are_accepted_and_checked(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        publisher = EventPublisher(redis)
        await publisher.start()
        publisher.emit("team", "shop", {"type": "node.finished", "node": "plan", "duration_ms": 12})
        with pytest.raises(EventSchemaError, match="duration_ms"):
            publisher.emit("team", "shop", {"type": "node.finished", "node": "plan"})
        await publisher.aclose()
        assert await redis.xlen(events_key("team", "shop")) == 1
        await redis.aclose()

    run(scenario())


def test_events_emitted_from_another_thread_arrive_in_order(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        publisher = EventPublisher(redis)
        await publisher.start()

        def agent_thread() -> None:
            for step in range(50):
                publisher.emit("team", "shop", {"type": "node.started", "node": str(step)})

        await asyncio.to_thread(agent_thread)
        await asyncio.sleep(0.05)
        assert await publisher.flush()
        entries = await redis.xrange(events_key("team", "shop"))
        await publisher.aclose()
        await redis.aclose()
        assert [json.loads(f[b"data"])["node"] for _, f in entries] == [str(s) for s in range(50)]
        assert threading.current_thread() is threading.main_thread()

    run(scenario())


def test_token_deltas_go_over_pubsub_not_the_stream(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        pubsub = redis.pubsub()
        await pubsub.subscribe(tokens_channel("team", "shop"))
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        publisher = EventPublisher(redis)
        await publisher.start()
        publisher.emit("team", "shop", TokenDelta(node="plan", text="Hel"))
        message = await pubsub.get_message(timeout=2)
        await publisher.aclose()
        assert message is not None and json.loads(message["data"])["text"] == "Hel"
        assert await redis.exists(events_key("team", "shop")) == 0
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await redis.aclose()

    run(scenario())


def test_while_redis_is_down_emitting_goes_on_and_health_reports_it(
    redis_server: RedisServer,
) -> None:
    """The operator keeps reconciling: emit never blocks or raises, the backlog is reported,
    and every event reaches the stream in order once Redis is back."""

    async def scenario() -> None:
        redis = Redis.from_url(redis_server.url, socket_connect_timeout=1)
        publisher = EventPublisher(redis, max_retry_delay_s=0.2)
        await publisher.start()
        redis_server.stop()
        loop = asyncio.get_running_loop()
        started = loop.time()
        for step in range(100):
            publisher.emit("team", "shop", NodeStarted(node=str(step)))
        assert loop.time() - started < 0.05  # no waiting on Redis
        await asyncio.sleep(0.5)
        health = publisher.health()
        assert (health.connected, health.reason, health.buffered) == (
            False,
            "RedisUnavailable",
            100,
        )
        redis_server.start()
        assert await publisher.flush(10)
        assert publisher.health().reason == "EventsFlowing"
        entries = await redis.xrange(events_key("team", "shop"))
        await publisher.aclose()
        await redis.aclose()
        assert [json.loads(f[b"data"])["node"] for _, f in entries] == [str(s) for s in range(100)]

    run(scenario())
