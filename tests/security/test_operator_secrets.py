"""A secret typed into an InfraDesign's request appears in no output of the operator: not in
status, not in Kubernetes Events, not in the design's Redis stream, and nothing is committed.
The reconcile runs as the operator runs it, with a real redis-server for the stream; the git
sink is the tests' recording fake (no push is expected at all)."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from redis.asyncio import Redis

from autcloud.agent.design import run_design
from autcloud.events import events_key
from autcloud.operator.event_sink import GatewayEventSink
from autcloud.operator.reconcile import Dependencies, DesignRef, reconcile
from tests.gateway.harness import RedisServer
from tests.operator.fakes import RecordingPublisher, Secrets

pytestmark = pytest.mark.asyncio
REF = DesignRef("shop", "web", 1)
PLANTED = [
    "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "Sup3rS3cret!",
]


@pytest.mark.parametrize("secret", PLANTED)
async def test_a_planted_secret_reaches_no_output(redis_server: RedisServer, secret: str) -> None:
    said = f"password {secret}" if secret == "Sup3rS3cret!" else f"token {secret}"
    spec = {"request": f"A containerised web API with PostgreSQL in Seoul, deploy {said}"}
    publisher = RecordingPublisher()
    sink = await GatewayEventSink.connect(redis_server.url)
    try:
        outcome = await reconcile(
            REF,
            spec,
            {},
            Dependencies(
                designer=run_design,
                publisher=publisher,
                read_secret=Secrets(),
                diagram=False,
                events=sink,
            ),
        )
    finally:
        await sink.aclose()
    redis = Redis.from_url(redis_server.url)
    entries = await redis.xrange(events_key("shop", "web"))
    await redis.aclose()

    assert outcome.status["phase"] == "Refused"
    assert "contains a credential" in outcome.status["refusalReason"]
    assert publisher.calls == []
    outputs = {
        "status": json.dumps(outcome.status),
        "events": json.dumps([asdict(event) for event in outcome.events], default=str),
        "stream": repr(entries),
    }
    for where, text in outputs.items():
        assert secret not in text, where
    assert entries  # the stream was written: the check above looked at something
