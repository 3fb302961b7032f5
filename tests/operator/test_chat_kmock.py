"""Chat in, end to end: a message in the requests stream (a real redis-server) becomes an entry
of the InfraDesign's spec.conversation, once, through the running operator.

Mocked: only the Kubernetes API server (kmock; no real one can run here). Redis, the gateway's
enqueue path, the inbox, the operator and the design engine are real.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonpatch
import kmock
import pytest
import pytest_asyncio
import yaml
from redis.asyncio import Redis

from autcloud.events import (
    CONVERSATION_MAX_ITEMS,
    DEAD_LETTER_KEY,
    REQUESTS_KEY,
    ChatRequest,
    Error,
    conversation_key,
    events_key,
    from_fields,
)
from autcloud.gateway.streams import enqueue_request
from autcloud.operator.conversation_archive import (
    ARCHIVE_ANNOTATION,
    ARCHIVE_AT,
    CHUNK_KEY,
    chunk_name,
)
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gateway.harness import REPO, RedisServer, free_port
from tests.operator.apiserver import ApiServer
from tests.operator.harness import Cluster, condition, is_settled
from tests.operator.test_accounts_kmock import CompanionOperator, scrape

pytestmark = pytest.mark.asyncio

SPEC = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}
GROUP = "autcloud-operator"


@pytest_asyncio.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def start(settings: OperatorSettings) -> CompanionOperator:
    thread = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(thread.start)
    return thread


@pytest_asyncio.fixture
async def operator(
    cluster: Cluster, redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[CompanionOperator]:
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        redis_url=redis_server.url,
        pod_name="operator-0",
    )
    thread = await start(settings)
    yield thread
    await asyncio.to_thread(thread.stop)


def conversation(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list(obj.get("spec", {}).get("conversation") or [])


async def all_handled(redis: Redis, count: int) -> None:
    """Wait until the operator's group has read ``count`` entries and acknowledged them all."""
    deadline = time.monotonic() + 15
    while True:
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(REQUESTS_KEY)}
        group = groups.get(GROUP)
        if group and group["pending"] == 0 and (group.get("entries-read") or 0) >= count:
            return
        assert time.monotonic() < deadline, f"the inbox did not handle {count} entries: {group}"
        await asyncio.sleep(0.1)


async def test_a_message_sent_through_the_gateway_path_joins_the_conversation(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", SPEC)
    await cluster.wait_for("web", is_settled(), what="the first design")

    message = ChatRequest(
        namespace="default", name="web", id="msg-1", text="Add a Redis cache in front of the API"
    )
    await enqueue_request(redis, message)

    obj = await cluster.wait_for("web", lambda o: bool(conversation(o)), what="the entry")
    assert conversation(obj) == [
        {"type": "change", "text": "Add a Redis cache in front of the API", "id": "msg-1"}
    ]
    await cluster.wait_for("web", is_settled(2), what="the design revised by the message")


async def test_a_message_delivered_twice_is_appended_once(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", {**SPEC, "conversation": [{"type": "change", "text": "Seoul"}]})
    message = ChatRequest(
        namespace="default", name="web", id="msg-2", text="Use two availability zones"
    )
    await enqueue_request(redis, message)
    # Redis Streams deliver at least once: the same entry again, as after a lost XACK.
    await redis.xadd(REQUESTS_KEY, message.to_fields())  # type: ignore[arg-type]

    await all_handled(redis, 2)

    obj = await cluster.get("web")
    assert obj is not None
    ids = [turn.get("id") for turn in conversation(obj)]
    assert ids == [None, "msg-2"]


async def test_a_message_for_a_design_that_does_not_exist_is_dead_lettered(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await enqueue_request(
        redis, ChatRequest(namespace="default", name="ghost", id="msg-3", text="Add a queue")
    )

    await all_handled(redis, 1)

    [(_, fields)] = await redis.xrange(DEAD_LETTER_KEY)
    assert fields[b"id"] == b"msg-3"
    assert b"does not exist" in fields[b"reason"]


async def test_without_redis_designs_are_still_reconciled_and_the_outage_is_counted(
    cluster: Cluster, tmp_path: Path
) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        redis_url=nobody_listens,
        metrics_listen="127.0.0.1:0",
    )
    thread = await start(settings)
    try:
        await cluster.apply("web", SPEC)
        obj = await cluster.wait_for("web", is_settled(), what="a design without Redis")
        assert obj["status"]["phase"] == "Ready"

        deadline = time.monotonic() + 10
        while True:
            samples = await scrape(thread.metrics_url())
            errors = dict(
                (labels["operation"], value)
                for labels, value in samples.get("autcloud_redis_errors_total", [])
            )
            if errors.get("inbox", 0) >= 1:
                break
            assert time.monotonic() < deadline, f"no Redis outage counted: {errors}"
            await asyncio.sleep(0.2)
    finally:
        await asyncio.to_thread(thread.stop)


# --- A message the API server refuses is reported, not only dead-lettered --------------------

# The emulated API server validates nothing against the CRD (issue 14, item 4, is not done
# yet), so these tests make it refuse what a real one would: spec.conversation checked against
# the CRD's own schema, read from crds/ (maxItems, items' text maxLength and id pattern), with
# the real API server's 422 "Invalid" and its wording.
_CONVERSATION = yaml.safe_load((REPO / "crds" / "autcloud.io_infradesigns.yaml").read_text())[
    "spec"
]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["conversation"]


def _conversation_problem(obj: dict[str, Any]) -> str | None:
    turns = (obj.get("spec") or {}).get("conversation") or []
    if len(turns) > _CONVERSATION["maxItems"]:
        return (
            f"spec.conversation: Too many: {len(turns)}: must have at most "
            f"{_CONVERSATION['maxItems']} items"
        )
    item = _CONVERSATION["items"]["properties"]
    for index, turn in enumerate(turns):
        if len(turn.get("text", "")) > item["text"]["maxLength"]:
            return (
                f"spec.conversation[{index}].text: Too long: may not be more than "
                f"{item['text']['maxLength']} bytes"
            )
        if "id" in turn and not re.search(item["id"]["pattern"], turn["id"]):
            return f"spec.conversation[{index}].id: Invalid value: should match the pattern"
    return None


@pytest.fixture
def validating_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ApiServer._on_update

    def on_update(self: ApiServer, request: Any) -> None:
        key = (request.resource, request.namespace, request.name)
        plural = getattr(request.resource, "plural", "")
        if (
            plural == "infradesigns"
            and request.subresource != "status"
            and isinstance(request.data, list)
            and key in self.objects
        ):
            try:
                after = jsonpatch.apply_patch(copy.deepcopy(self.objects[key].raw), request.data)
            except jsonpatch.JsonPatchTestFailed:
                after = None  # a stale version: the original answers 422 "modified"
            problem = None if after is None else _conversation_problem(after)
            if problem:
                raise kmock.KubernetesError(
                    status=422,
                    reason="Invalid",
                    message=f'InfraDesign.autcloud.io "{request.name}" is invalid: {problem}',
                )
        original(self, request)

    monkeypatch.setattr(ApiServer, "_on_update", on_update)


async def _error_events(redis: Redis, name: str) -> list[Error]:
    entries = await redis.xrange(events_key("default", name))
    events = [from_fields(fields) for _, fields in entries]
    return [e for e in events if isinstance(e, Error)]


async def _wait_for_error(redis: Redis, name: str) -> Error:
    deadline = time.monotonic() + 15
    while not (errors := await _error_events(redis, name)):
        assert time.monotonic() < deadline, "no error event on the design's stream"
        await asyncio.sleep(0.1)
    [error] = errors
    return error


def _chat_condition_is(status: str) -> Any:
    return lambda obj: condition(obj, "ChatApplied").get("status") == status


async def test_a_message_the_api_server_refuses_raises_an_error_event_and_a_condition(
    validating_conversation: None, cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", SPEC)
    await cluster.wait_for("web", is_settled(), what="the first design")
    # Over the CRD's 2,000 characters: the gateway refuses it now, but an older gateway (or
    # anyone writing the requests stream) could still queue it.
    too_long = ChatRequest(namespace="default", name="web", id="long-1", text="x" * 2001)
    await enqueue_request(redis, too_long)

    error = await _wait_for_error(redis, "web")
    assert (error.reason, error.message_id) == ("MessageRejected", "long-1")
    assert "Too long: may not be more than 2000" in error.message
    assert DEAD_LETTER_KEY in error.message
    obj = await cluster.wait_for("web", _chat_condition_is("False"), what="ChatApplied=False")
    rejected = condition(obj, "ChatApplied")
    assert rejected["reason"] == "MessageRejected" and "'long-1'" in rejected["message"]
    [(_, dead)] = await redis.xrange(DEAD_LETTER_KEY)
    assert dead[b"id"] == b"long-1"
    assert conversation(obj) == []

    # The next message that fits is applied, and the condition says so.
    await enqueue_request(
        redis, ChatRequest(namespace="default", name="web", id="ok-1", text="Add a cache")
    )
    obj = await cluster.wait_for("web", lambda o: bool(conversation(o)), what="the entry")
    assert [turn["id"] for turn in conversation(obj)] == ["ok-1"]
    # ... and the condition says so, still after the reconcile the message started.
    obj = await cluster.wait_for("web", is_settled(2), what="the design revised by the message")
    assert condition(obj, "ChatApplied")["status"] == "True"
    assert condition(obj, "ChatApplied")["reason"] == "MessageApplied"


async def test_a_full_conversation_moves_to_an_archive_and_the_message_is_applied(
    validating_conversation: None, cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    # A conversation filled to the CRD's maxItems (by kubectl here, by chat alike).
    full = [
        {"type": "change", "text": f"turn {i}", "id": f"t-{i}"}
        for i in range(CONVERSATION_MAX_ITEMS)
    ]
    await cluster.apply("web", {**SPEC, "conversation": full})
    await cluster.wait_for("web", is_settled(), timeout=60, what="the design with 100 turns")

    await enqueue_request(
        redis, ChatRequest(namespace="default", name="web", id="m-101", text="One more turn")
    )

    obj = await cluster.wait_for(
        "web", lambda o: [t.get("id") for t in conversation(o)] == ["m-101"], what="the archive"
    )
    assert obj["metadata"]["annotations"][ARCHIVE_ANNOTATION] == "1"
    uid = obj["metadata"]["uid"]
    chunk = await cluster._call(
        "GET", f"/api/v1/namespaces/default/configmaps/{chunk_name(uid, 0)}"
    )
    assert json.loads(chunk["data"][CHUNK_KEY]) == full  # moved unchanged, in order
    assert chunk["metadata"]["ownerReferences"][0]["uid"] == uid  # deleted with the design
    # Redeliveries of the new message and of an archived one change nothing.
    for message_id, text in (("m-101", "One more turn"), ("t-5", "turn 5")):
        fields: dict[Any, Any] = ChatRequest(
            namespace="default", name="web", id=message_id, text=text
        ).to_fields()
        await redis.xadd(REQUESTS_KEY, fields)
    await all_handled(redis, 3)
    obj = await cluster.wait_for("web", is_settled(2), timeout=60, what="the design revised")
    assert [t.get("id") for t in conversation(obj)] == ["m-101"]
    assert obj["status"]["phase"] == "Ready"  # the reconcile read all 101 turns
    assert not await redis.xlen(DEAD_LETTER_KEY)
    assert not await _error_events(redis, "web")


async def test_the_crds_append_only_rule_lets_the_archive_through_at_the_same_size() -> None:
    rules = [
        rule["rule"]
        for rule in yaml.safe_load((REPO / "crds" / "autcloud.io_infradesigns.yaml").read_text())[
            "spec"
        ]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"][
            "x-kubernetes-validations"
        ]
        if "oldSelf.conversation" in rule["rule"]
    ]
    assert [f"size(oldSelf.conversation) >= {ARCHIVE_AT}" in rule for rule in rules] == [True]


# --- Deleting a design drops its conversation count ----------------------------------------


async def test_a_deleted_and_recreated_design_starts_with_a_fresh_conversation_count(
    cluster: Cluster, operator: CompanionOperator, redis: Redis
) -> None:
    await cluster.apply("web", SPEC)
    await cluster.wait_for("web", is_settled(), what="the design")
    await enqueue_request(
        redis, ChatRequest(namespace="default", name="web", id="last", text="A turn")
    )
    await all_handled(redis, 1)
    key = conversation_key("default", "web")
    assert (await redis.hgetall(key))[b"seq"] == b"1"  # type: ignore[misc]

    await cluster.delete("web")
    deadline = time.monotonic() + 30
    while await cluster.get("web") is not None:
        assert time.monotonic() < deadline, "the design was not released"
        await asyncio.sleep(0.1)
    assert not await redis.exists(key)

    # The same name again: its messages are counted from zero, not refused as the old one's.
    await cluster.apply("web", SPEC)
    await enqueue_request(
        redis, ChatRequest(namespace="default", name="web", id="anew", text="Add a cache")
    )
    obj = await cluster.wait_for("web", lambda o: bool(conversation(o)), what="the new entry")
    assert [turn["id"] for turn in conversation(obj)] == ["anew"]
