"""A client that stops reading is cut off; the gateway's memory does not grow with it."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
from redis.asyncio import Redis

from autcloud.events import NodeStarted
from autcloud.gateway.streams import EventPublisher
from tests.gateway.harness import TOKEN, auth, events_url, gateway, read_events, run


def test_a_client_that_stops_reading_is_cut_off_and_others_carry_on(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        publisher = EventPublisher(redis)
        async with gateway(redis_url, queue_limit=50, write_timeout_s=1.0) as base:
            host, port = base.removeprefix("http://").split(":")
            # A raw socket with a tiny receive buffer that never reads after the headers.
            stalled = socket.socket()
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stalled.connect((host, int(port)))
            stalled.sendall(
                f"GET /v1/namespaces/team/infradesigns/shop/events HTTP/1.1\r\n"
                f"Host: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
            )
            async with aiohttp.ClientSession() as session:
                healthy = asyncio.create_task(read_events(session, events_url(base), limit=2000))
                await asyncio.sleep(0.3)
                padding = "x" * 10_000  # enough to fill the socket buffers
                for step in range(2000):
                    await publisher.publish("team", "shop", NodeStarted(node=f"{step}-{padding}"))
                events = await asyncio.wait_for(healthy, 30)
                cut_off = "autcloud_gateway_slow_clients_disconnected_total 1.0"
                for _ in range(50):  # the stalled write gives up after write_timeout_s
                    async with session.get(f"{base}/metrics", headers=auth()) as response:
                        metrics = await response.text()
                    if cut_off in metrics:
                        break
                    await asyncio.sleep(0.1)
            stalled.close()
        assert len(events) == 2000  # the reading client got everything
        assert cut_off in metrics
        await redis.aclose()

    run(scenario())
