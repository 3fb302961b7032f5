"""Test helpers: a real redis-server process, an in-process gateway, an SSE reader."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from autcloud.gateway.app import GatewayConfig, create_app
from autcloud.gateway.auth import Authorizer, StaticTokenAuthorizer
from autcloud.gateway.client import SseEvent, read_sse

T = TypeVar("T")
TOKEN = "test-token-1234"
REPO = Path(__file__).resolve().parents[2]
# A throwaway redis-server: nothing written to disk, reachable without a password, quiet.
EPHEMERAL_REDIS = (
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "no",
    "--loglevel",
    "warning",
)


def wait_for_pong(port: int, seconds: float = 30) -> None:
    """Returns once the redis-server on 127.0.0.1:``port`` answers PING. The wait is generous:
    a cluster node restarted on its old port under a loaded parallel run can take over 10 s."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock,
        ):
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not start on port {port}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A redis-server on a free port, without persistence, stopped by its pid."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                *EPHEMERAL_REDIS,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_pong(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.process = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(16)


def run(coro: Awaitable[T], timeout_s: float = 60) -> T:
    """Run a scenario on a fresh event loop, failing (not hanging) after ``timeout_s``."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout_s):
            return await coro

    return asyncio.run(bounded())


@contextlib.asynccontextmanager
async def gateway(
    redis_url: str, authorizer: Authorizer | None = None, **settings: Any
) -> AsyncIterator[str]:
    """An in-process gateway on a free port; yields its base URL."""
    config = GatewayConfig(redis_url=redis_url, **settings)
    app = create_app(config, authorizer or StaticTokenAuthorizer(TOKEN))
    runner = web.AppRunner(app, shutdown_timeout=2)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def events_url(base: str, namespace: str = "team", name: str = "shop") -> str:
    return f"{base}/v1/namespaces/{namespace}/infradesigns/{name}/events"


def messages_url(base: str, namespace: str = "team", name: str = "shop") -> str:
    return f"{base}/v1/namespaces/{namespace}/infradesigns/{name}/messages"


async def read_events(
    session: aiohttp.ClientSession,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    limit: int | None = None,
    params: dict[str, str] | None = None,
) -> list[SseEvent]:
    """Events of one connection until it ends, or until ``limit`` events arrived."""
    received: list[SseEvent] = []
    async with session.get(url, headers={**auth(), **(headers or {})}, params=params) as response:
        assert response.status == 200, await response.text()
        async for event in read_sse(response):
            received.append(event)
            if limit is not None and len(received) >= limit:
                break
    return received


def python_command(*args: str) -> list[str]:
    """``autcloud ARGS...`` in a subprocess, as a user runs it."""
    return [sys.executable, "-m", "autcloud", *args]
