"""Redis restarted under a live gateway: watchers stay connected (or resume) and miss nothing new."""

from __future__ import annotations

import asyncio

import aiohttp
from redis.asyncio import Redis

from autcloud.events import Done, NodeStarted
from autcloud.gateway.client import GatewayClient, SseEvent
from autcloud.gateway.streams import EventPublisher
from tests.gateway.harness import TOKEN, RedisServer, gateway, run


def test_watchers_receive_the_events_published_after_redis_comes_back(
    redis_server: RedisServer,
) -> None:
    async def scenario() -> None:
        async with gateway(redis_server.url, heartbeat_s=0.2) as base:
            client = GatewayClient(base, TOKEN)
            received: list[SseEvent] = []

            async def watch() -> None:
                async for event in client.follow("team/shop", until_done=True):
                    received.append(event)

            watchers = [asyncio.create_task(watch()) for _ in range(3)]
            redis = Redis.from_url(redis_server.url)
            await EventPublisher(redis).publish("team", "shop", NodeStarted(node="before"))
            await asyncio.sleep(0.5)
            await redis.aclose()

            redis_server.stop()
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{base}/readyz") as ready:
                    assert ready.status == 503
                await asyncio.sleep(1.0)  # the readers retry meanwhile
                redis_server.start()
                await asyncio.sleep(0.5)
                async with session.get(f"{base}/readyz") as ready:
                    assert ready.status == 200

            redis = Redis.from_url(redis_server.url)
            publisher = EventPublisher(redis)
            await publisher.publish("team", "shop", NodeStarted(node="after"))
            await publisher.publish("team", "shop", Done(phase="Ready", ok=True))
            await asyncio.wait_for(asyncio.gather(*watchers), 20)
            await redis.aclose()
        nodes = [e.json().get("node", e.event) for e in received]
        assert sorted(nodes) == sorted(["before", "after", "done"] * 3)

    run(scenario())


def test_a_client_connecting_while_redis_is_down_is_told_to_retry(
    redis_server: RedisServer,
) -> None:
    async def scenario() -> None:
        async with gateway(redis_server.url) as base, aiohttp.ClientSession() as session:
            redis_server.stop()
            async with session.get(
                f"{base}/v1/namespaces/team/infradesigns/shop/events",
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response:
                assert response.status == 503
                assert response.headers["Retry-After"]
            async with session.post(
                f"{base}/v1/namespaces/team/infradesigns/shop/messages",
                headers={"Authorization": f"Bearer {TOKEN}"},
                json={"text": "hi"},
            ) as response:
                assert response.status == 503

    run(scenario())
