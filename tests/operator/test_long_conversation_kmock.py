"""A 300-message chat: posted over HTTP to the gateway, applied by the operator's chat inbox to
an InfraDesign whose CRD caps spec.conversation at 100 entries. None may be lost.

Real: redis-server, the gateway (aiohttp, in process, real HTTP), the operator (kopf in its
thread, the inbox, the design engine). Emulated: the Kubernetes API server (kmock, enforcing
the CRD's schema and CEL rules). The design engine is wrapped only to record the conversation
each run was given.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from autcloud.agent.design import run_design
from autcloud.events import DEAD_LETTER_KEY, Error, events_key, from_fields
from autcloud.operator.conversation_archive import (
    ARCHIVE_ANNOTATION,
    ARCHIVE_AT,
    CHUNK_KEY,
    chunk_name,
)
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gateway.harness import RedisServer, auth, gateway, messages_url
from tests.operator.harness import Cluster, is_settled
from tests.operator.test_accounts_kmock import CompanionOperator

pytestmark = pytest.mark.asyncio

SPEC = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}
MESSAGES = 300


class RecordingDesigner:
    """The real design engine, noting the conversation each run is given."""

    def __init__(self) -> None:
        self.conversations: list[list[str]] = []

    async def __call__(self, request: str, **options: Any) -> Any:
        self.conversations.append([turn["text"] for turn in options.get("conversation") or []])
        return await run_design(request, **options)


@pytest_asyncio.fixture
async def operator(
    cluster: Cluster, redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[tuple[CompanionOperator, RecordingDesigner]]:
    designer = RecordingDesigner()
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        redis_url=redis_server.url,
        pod_name="operator-0",
    )
    thread = CompanionOperator(OperatorRuntime(settings, designer=designer))
    await asyncio.to_thread(thread.start)
    yield thread, designer
    await asyncio.to_thread(thread.stop)


async def _post_until_accepted(session: aiohttp.ClientSession, base: str, body: Any) -> None:
    """As a client does: a 429 (too many of the design's messages waiting) is retried."""
    deadline = time.monotonic() + 300
    while True:
        async with session.post(
            messages_url(base, "default", "web"), json=body, headers=auth()
        ) as reply:
            if reply.status == 202:
                return
            assert reply.status == 429, (reply.status, await reply.text())
        assert time.monotonic() < deadline, f"{body['id']} was never accepted"
        await asyncio.sleep(0.2)


async def set_suspend(cluster: Cluster, suspend: bool) -> None:
    await cluster._call(
        "PATCH",
        "/apis/autcloud.io/v1alpha1/namespaces/default/infradesigns/web",
        {"spec": {"suspend": suspend}},
        **{"Content-Type": "application/merge-patch+json"},
    )


async def test_a_300_message_chat_is_applied_whole_past_the_crds_100_entries(
    cluster: Cluster,
    operator: tuple[CompanionOperator, RecordingDesigner],
    redis_server: RedisServer,
) -> None:
    _, designer = operator
    await cluster.apply("web", SPEC)
    await cluster.wait_for("web", is_settled(), what="the first design")
    # Suspended while the chat goes on (spec.suspend: the operator applies messages but runs no
    # design), so the test pays for one design of 300 turns instead of 300 designs; the run
    # after resuming must still see every turn.
    await set_suspend(cluster, True)
    texts = [f"change {index}: tag every resource with turn={index}" for index in range(MESSAGES)]

    async with (
        gateway(redis_server.url, message_rate=0) as base,
        aiohttp.ClientSession() as session,
    ):
        for index, text in enumerate(texts):
            await _post_until_accepted(session, base, {"text": text, "id": f"m-{index}"})

    def everything_applied(obj: dict[str, Any]) -> bool:
        live = (obj.get("spec") or {}).get("conversation") or []
        return bool(live) and live[-1].get("id") == f"m-{MESSAGES - 1}"

    # The last 100 wait in the backlog when the posting ends; each message costs a PATCH and
    # its status writes, all checked against the CRD by the emulator.
    obj = await cluster.wait_for("web", everything_applied, timeout=900, what="message 300")
    # Every 20 moved to an archive chunk (14 of them); 281-300 are the live conversation.
    chunks = (MESSAGES - 1) // ARCHIVE_AT
    assert obj["metadata"]["annotations"][ARCHIVE_ANNOTATION] == str(chunks)
    assert len(obj["spec"]["conversation"]) == MESSAGES - chunks * ARCHIVE_AT
    uid = obj["metadata"]["uid"]
    turns: list[dict[str, Any]] = []
    for index in range(chunks):
        chunk = await cluster._call(
            "GET", f"/api/v1/namespaces/default/configmaps/{chunk_name(uid, index)}"
        )
        turns += json.loads(chunk["data"][CHUNK_KEY])
    turns += obj["spec"]["conversation"]
    assert [turn["id"] for turn in turns] == [f"m-{index}" for index in range(MESSAGES)]
    assert [turn["text"] for turn in turns] == texts

    # The design run after the last message was given all 300 turns, in order.
    runs_before = len(designer.conversations)
    await set_suspend(cluster, False)
    resumed = await cluster.get("web")
    assert resumed is not None
    final = await cluster.wait_for(
        "web", is_settled(int(resumed["metadata"]["generation"])), timeout=300, what="the last run"
    )
    assert runs_before == 1, "suspended: the messages ran no design"
    assert final["status"]["phase"] == "Ready"
    assert designer.conversations[-1] == texts

    redis = Redis.from_url(redis_server.url)
    try:
        assert await redis.xlen(DEAD_LETTER_KEY) == 0
        events = [from_fields(f) for _, f in await redis.xrange(events_key("default", "web"))]
        assert not [event for event in events if isinstance(event, Error)]
    finally:
        await redis.aclose()
