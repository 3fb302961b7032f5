"""Fixtures every test folder shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.harness import RedisServer
from tests.tooling import require_tool


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server of this test's own, on a free port of 127.0.0.1, stopped after it."""
    server = RedisServer(require_tool("redis-server", "the test runs against a real Redis"))
    server.start()
    yield server
    server.stop()
