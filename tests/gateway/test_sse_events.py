"""GET .../events: a design's progress as Server-Sent Events, resumable, one design only."""

from __future__ import annotations

import asyncio
import json
import random

import aiohttp
from redis.asyncio import Redis

from autcloud.events import Done, NodeFinished, NodeStarted, events_key
from autcloud.gateway.streams import EventPublisher
from tests.gateway.harness import auth, events_url, gateway, read_events, run


async def _publish_run(
    redis: Redis, steps: int, namespace: str = "team", name: str = "shop", done: bool = True
) -> list[str]:
    publisher = EventPublisher(redis)
    ids = []
    for step in range(steps):
        ids.append(await publisher.publish(namespace, name, NodeStarted(node=f"step{step}")))
    if done:
        ids.append(await publisher.publish(namespace, name, Done(phase="Ready", ok=True)))
    return ids


def test_each_event_carries_the_entry_id_type_and_json_data(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        ids = await _publish_run(redis, 2)
        async with (
            gateway(redis_url) as base,
            aiohttp.ClientSession() as session,
            session.get(events_url(base), headers=auth(), params={"until": "done"}) as response,
        ):
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/event-stream"
            body = await response.text()
        assert body.startswith("retry: ")
        frames = [f for f in body.split("\n\n") if f.startswith("id:")]
        assert [f.splitlines()[0] for f in frames] == [f"id: {i}" for i in ids]
        assert frames[0].splitlines()[1] == "event: node.started"
        data = json.loads(frames[0].splitlines()[2].removeprefix("data: "))
        assert data["node"] == "step0" and data["v"] == 1
        await redis.aclose()

    run(scenario())


def test_until_done_closes_the_stream_after_the_done_event(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            reader = asyncio.create_task(
                read_events(session, events_url(base), params={"until": "done"})
            )
            await asyncio.sleep(0.2)
            await _publish_run(redis, 3)
            events = await asyncio.wait_for(reader, 10)
        assert [e.event for e in events] == ["node.started"] * 3 + ["done"]
        await redis.aclose()

    run(scenario())


def test_without_until_the_stream_stays_open_after_done(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        await _publish_run(redis, 1)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            reader = asyncio.create_task(read_events(session, events_url(base)))
            await asyncio.sleep(0.5)
            assert not reader.done()
            reader.cancel()
        await redis.aclose()

    run(scenario())


def test_resuming_with_last_event_id_after_random_disconnects_gets_every_event_once(
    redis_url: str,
) -> None:
    """A run is published while a client keeps dropping and resuming with Last-Event-ID."""

    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        rng = random.Random(7)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:

            async def publish() -> list[str]:
                publisher = EventPublisher(redis)
                ids = []
                for step in range(300):
                    ids.append(
                        await publisher.publish(
                            "team", "shop", NodeFinished(node=f"n{step}", duration_ms=step)
                        )
                    )
                    if step % 10 == 0:
                        await asyncio.sleep(0.005)
                ids.append(await publisher.publish("team", "shop", Done(phase="Ready", ok=True)))
                return ids

            publishing = asyncio.create_task(publish())
            received: list[str] = []
            reconnects = 0
            while not received or received[-1] != (
                publishing.result()[-1] if publishing.done() else None
            ):
                headers = {"Last-Event-ID": received[-1]} if received else {}
                events = await read_events(
                    session,
                    events_url(base),
                    headers=headers,
                    params={"until": "done"},
                    limit=rng.randint(1, 40),
                )
                received += [e.id for e in events if e.id]
                reconnects += 1
            published = publishing.result()
        assert received == published  # every event, in order, none twice
        assert reconnects > 5
        await redis.aclose()

    run(scenario())


def test_heartbeats_keep_an_idle_stream_alive(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            gateway(redis_url, heartbeat_s=0.1) as base,
            aiohttp.ClientSession() as session,
            session.get(events_url(base), headers=auth()) as response,
        ):
            await asyncio.sleep(0.35)
            chunk = await response.content.read(200)
        assert b": heartbeat" in chunk

    run(scenario())


def test_since_now_skips_the_history(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        await _publish_run(redis, 5, done=False)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            reader = asyncio.create_task(
                read_events(session, events_url(base), params={"since": "now", "until": "done"})
            )
            await asyncio.sleep(0.3)
            await EventPublisher(redis).publish("team", "shop", Done(phase="Ready", ok=True))
            events = await asyncio.wait_for(reader, 10)
        assert [e.event for e in events] == ["done"]
        await redis.aclose()

    run(scenario())


def test_a_client_never_receives_another_designs_events(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            reader = asyncio.create_task(
                read_events(session, events_url(base, "a-b", "c"), params={"until": "done"})
            )
            await asyncio.sleep(0.2)
            for namespace, name in [("a", "b-c"), ("a-b", "c-d"), ("a-bc", "c"), ("b", "c")]:
                await _publish_run(redis, 2, namespace, name)
            await _publish_run(redis, 1, "a-b", "c")
            events = await asyncio.wait_for(reader, 10)
        assert [e.json()["node"] for e in events if e.event == "node.started"] == ["step0"]
        await redis.aclose()

    run(scenario())


def test_a_resume_point_older_than_the_kept_history_is_reported(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        ids = await _publish_run(redis, 10)
        await redis.xtrim(events_key("team", "shop"), maxlen=3, approximate=False)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            events = await read_events(
                session,
                events_url(base),
                headers={"Last-Event-ID": ids[1]},
                params={"until": "done"},
            )
        assert events[0].event == "stream.truncated"
        assert [e.id for e in events[1:]] == ids[-3:]
        await redis.aclose()

    run(scenario())


def test_many_clients_share_a_few_redis_connections(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        before = len(await redis.client_list())
        async with gateway(redis_url, readers=2) as base, aiohttp.ClientSession() as session:
            readers = [
                asyncio.create_task(
                    read_events(
                        session, events_url(base, "team", f"d{i % 20}"), params={"until": "done"}
                    )
                )
                for i in range(100)
            ]
            await asyncio.sleep(1.0)
            during = len(await redis.client_list())
            for i in range(20):
                await _publish_run(redis, 1, "team", f"d{i}")
            results = await asyncio.wait_for(asyncio.gather(*readers), 20)
        assert all([e.event for e in r] == ["node.started", "done"] for r in results)
        assert during - before <= 10  # 2 readers + a small command pool, not 100
        await redis.aclose()

    run(scenario())
