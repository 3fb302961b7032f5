"""Several operator deployments on one Redis: each reads chat messages through its own consumer
group (``--chat-group``), so each sees every message. Real redis-server; nothing mocked."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from autcloud.accounts import MetricsRegistry
from autcloud.commands import operator as command
from autcloud.events import ChatRequest
from autcloud.gateway.streams import enqueue_request
from autcloud.operator.chat import ChatService, inbox_settings_for
from autcloud.operator.chat_inbox import ApplyOutcome, ChatInbox
from autcloud.operator.settings import DEFAULT_CHAT_GROUP, OperatorSettings
from tests.gateway.harness import RedisServer
from tests.operator.test_operator_cli import parse


@pytest_asyncio.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


class Received:
    """The inbox's ``apply``: records the message ids one deployment was given."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, request: ChatRequest) -> ApplyOutcome:
        self.ids.append(request.id)
        return ApplyOutcome.APPLIED


def settings(tmp_path: Path, group: str) -> OperatorSettings:
    return OperatorSettings(git_cache_dir=tmp_path, pod_name="operator-0", chat_group=group)


def test_the_default_chat_group_is_autcloud_operator(tmp_path: Path) -> None:
    assert OperatorSettings(git_cache_dir=tmp_path).chat_group == "autcloud-operator"
    assert command.DEFAULT_CHAT_GROUP == DEFAULT_CHAT_GROUP


def test_the_inbox_reads_through_the_deployments_group_as_the_pod(tmp_path: Path) -> None:
    inbox = inbox_settings_for(settings(tmp_path, "team-a"))

    assert (inbox.group, inbox.consumer) == ("team-a", "operator-0")


@pytest.mark.asyncio
async def test_the_chat_service_uses_the_configured_group(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    service = ChatService(
        redis_server.url, settings(tmp_path, "team-b"), lambda: None, MetricsRegistry()
    )
    try:
        assert service.inbox.settings.group == "team-b"
    finally:
        await service.stop()


def test_a_chat_group_unfit_for_redis_is_refused_naming_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"chat group 'team a'.*e\.g\. autcloud-operator-team-a"):
        settings(tmp_path, "team a")


@pytest.mark.asyncio
async def test_two_deployments_with_their_own_groups_both_see_a_message(
    tmp_path: Path, redis: Redis
) -> None:
    received = {"team-a": Received(), "team-b": Received()}
    inboxes = [
        ChatInbox(redis, received[group], inbox_settings_for(settings(tmp_path, group)))
        for group in received
    ]
    tasks = [asyncio.create_task(inbox.run()) for inbox in inboxes]
    try:
        await enqueue_request(
            redis, ChatRequest(namespace="shop", name="web", id="msg-1", text="Add a cache")
        )
        deadline = time.monotonic() + 10
        while not all(r.ids for r in received.values()):
            assert time.monotonic() < deadline, f"not every group got the message: {received}"
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    assert received["team-a"].ids == received["team-b"].ids == ["msg-1"]


def test_the_cli_takes_the_group_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(command.ENV_CHAT_GROUP, raising=False)
    assert parse().chat_group == "autcloud-operator"
    assert parse("--chat-group", "team-a").chat_group == "team-a"
    monkeypatch.setenv(command.ENV_CHAT_GROUP, "team-b")
    assert parse().chat_group == "team-b"
    assert parse("--chat-group", "team-a").chat_group == "team-a"


def test_the_cli_refuses_a_bad_chat_group_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert command.run(parse("--chat-group", "team a")) == command.EXIT_USAGE
    assert "--chat-group" in capsys.readouterr().err
