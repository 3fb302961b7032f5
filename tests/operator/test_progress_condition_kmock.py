"""The running operator writes ``ProgressPublished`` into the InfraDesign's status: False with
``RedisUnavailable`` when nothing listens at --redis-url (the design is Ready all the same),
True with a real redis-server.

Mocked: only the Kubernetes API server (kmock; no real one can run here). Redis, the operator
and the design engine are real.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gateway.harness import RedisServer, free_port
from tests.operator.harness import Cluster, OperatorThread, is_settled

pytestmark = pytest.mark.asyncio
SPEC = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}


async def settled_with(cluster: Cluster, redis_url: str, tmp_path: Path) -> dict[str, Any]:
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache", diagram=False, redis_url=redis_url
    )
    thread = await asyncio.to_thread(OperatorThread(OperatorRuntime(settings)).start)
    try:
        await cluster.apply("web", SPEC)
        return await cluster.wait_for("web", is_settled(), what="the design")
    finally:
        await asyncio.to_thread(thread.stop)


def state(obj: dict[str, Any], type_: str) -> tuple[str, str] | None:
    found = [c for c in obj["status"]["conditions"] if c["type"] == type_]
    return (found[0]["status"], found[0]["reason"]) if found else None


async def test_with_redis_unreachable_the_design_is_ready_and_says_redis_unavailable(
    cluster: Cluster, tmp_path: Path
) -> None:
    obj = await settled_with(cluster, f"redis://127.0.0.1:{free_port()}/0", tmp_path)

    assert state(obj, "Ready") == ("True", "DesignReady")
    assert state(obj, "ProgressPublished") == ("False", "RedisUnavailable")


async def test_with_redis_up_the_design_says_its_progress_was_published(
    cluster: Cluster, redis_server: RedisServer, tmp_path: Path
) -> None:
    obj = await settled_with(cluster, redis_server.url, tmp_path)

    assert state(obj, "Ready") == ("True", "DesignReady")
    assert state(obj, "ProgressPublished") == ("True", "EventsPublished")
