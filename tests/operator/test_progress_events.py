"""With --redis-url, a run's progress reaches the design's Redis stream (a real redis-server),
in the schema the gateway reads; without it, nothing needs Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis.asyncio import Redis

from autcloud.agent.design import run_design
from autcloud.events import events_key, from_fields
from autcloud.operator.event_sink import GatewayEventSink, NullEventSink
from autcloud.operator.reconcile import Dependencies, DesignRef, reconcile
from tests.gateway.harness import RedisServer
from tests.operator.fakes import RecordingPublisher, Secrets
from tests.tooling import require_tool

pytestmark = pytest.mark.asyncio
REF = DesignRef("shop", "web", 1)
SPEC = {"request": "A containerised web API with PostgreSQL in Seoul"}


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(require_tool("redis-server", "progress events go to a real Redis"))
    server.start()
    yield server
    server.stop()


def dependencies(sink: object) -> Dependencies:
    return Dependencies(
        designer=run_design,
        publisher=RecordingPublisher(),
        read_secret=Secrets(),
        diagram=False,
        events=sink,  # type: ignore[arg-type]
    )


async def test_a_runs_progress_reaches_the_designs_redis_stream(
    redis_server: RedisServer,
) -> None:
    sink = await GatewayEventSink.connect(redis_server.url)
    try:
        await reconcile(REF, SPEC, {}, dependencies(sink))
    finally:
        await sink.aclose()  # drains what is buffered

    redis = Redis.from_url(redis_server.url)
    entries = await redis.xrange(events_key("shop", "web"))
    await redis.aclose()
    events = [from_fields(fields) for _, fields in entries]
    names = [event.type.value for event in events]
    assert names[0] == "node.started"
    assert "validation.step" in names
    assert names[-1] == "done"
    assert getattr(events[-1], "phase", None) == "Ready"


async def test_without_redis_a_run_needs_no_event_sink() -> None:
    outcome = await reconcile(REF, SPEC, {}, dependencies(NullEventSink()))

    assert outcome.status["phase"] == "Ready"
