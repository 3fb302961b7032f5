"""The chat applier keeps the message ids of archive chunks in memory, up to a bound.

Real: the emulated Kubernetes API server (no real one can run here) serving the ConfigMap
chunks, and the operator's own KubeClient, counted. The 300-message round trip through the
archive is tests/operator/test_long_conversation_kmock.py.
"""

from __future__ import annotations

import json
from typing import Any

import kopf
import pytest

from autcloud.accounts import MetricsRegistry
from autcloud.operator import chat
from autcloud.operator.chat import ConversationAppender
from autcloud.operator.conversation_archive import ARCHIVE_ANNOTATION, CHUNK_KEY, chunk_name
from autcloud.operator.kube import KubeClient
from autcloud.operator.settings import OperatorSettings
from tests.operator.harness import Cluster


class CountingClient(KubeClient):
    """The operator's client, counting the chunks it reads."""

    reads = 0

    async def call(
        self, method: str, path: str, body: Any = None, *, content_type: str = "application/json"
    ) -> tuple[int, dict[str, Any]]:
        if method == "GET" and "/configmaps/" in path:
            self.reads += 1
        return await super().call(method, path, body, content_type=content_type)


def ids(uid: str, index: int) -> set[str]:
    return {f"{uid}-{index}-{n}" for n in range(3)}


def meta(uid: str, chunks: int) -> dict[str, Any]:
    return {"uid": uid, "annotations": {ARCHIVE_ANNOTATION: str(chunks)}}


@pytest.mark.asyncio
async def test_archived_ids_are_read_once_kept_up_to_the_bound_and_read_again_when_evicted(
    cluster: Cluster, settings: OperatorSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat, "ARCHIVE_CACHE_CHUNKS", 3)
    kube = CountingClient(kopf.ConnectionInfo(server=cluster.server, token="emulator-token"))
    appender = ConversationAppender(settings, lambda: kube, MetricsRegistry())
    try:
        for uid in ("a", "b"):
            for index in range(2):
                chunk = [{"id": i, "type": "change", "text": "x"} for i in sorted(ids(uid, index))]
                status, _ = await kube.call(
                    "POST",
                    "/api/v1/namespaces/default/configmaps",
                    {
                        "metadata": {"name": chunk_name(uid, index)},
                        "data": {CHUNK_KEY: json.dumps(chunk)},
                    },
                )
                assert status < 300
        first = await appender._archived_ids(kube, "default", meta("a", 2))
        again = await appender._archived_ids(kube, "default", meta("a", 2))
        assert first == again == ids("a", 0) | ids("a", 1)
        assert kube.reads == 2  # the second look came from memory

        other = await appender._archived_ids(kube, "default", meta("b", 2))
        assert other == ids("b", 0) | ids("b", 1)
        assert len(appender._archive_ids) == 3  # a's oldest chunk made room

        assert await appender._archived_ids(kube, "default", meta("a", 2)) == first
        assert kube.reads == 6  # a's two chunks read again: one was evicted, then the other
        assert len(appender._archive_ids) == 3
    finally:
        await appender.aclose()
        await kube.aclose()
