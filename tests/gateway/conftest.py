"""Fixtures: a real redis-server per test worker (a test that stops and restarts one takes
``redis_server`` of tests/conftest.py, a server of its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.harness import RedisServer
from tests.tooling import require_tool


@pytest.fixture(scope="session")
def shared_redis() -> Iterator[RedisServer]:
    server = RedisServer(require_tool("redis-server", "the streaming tests run a real Redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(shared_redis: RedisServer) -> str:
    """A real Redis, emptied before each test."""
    shared_redis.flush()
    return shared_redis.url
