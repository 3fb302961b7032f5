"""The gateway refuses what the cluster would: the InfraDesign CRD's spec.conversation limits.

A chat message becomes one entry of the design's ``spec.conversation``. The limits the gateway
applies are stated once, in ``autcloud.events`` (a standard-library leaf the gateway may
import); the first tests hold them equal to both copies of the CRD, the others send real HTTP
to an in-process gateway over a real redis-server.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from redis.asyncio import Redis

from autcloud.events import (
    CONVERSATION_ID_MAX_CHARS,
    CONVERSATION_ID_PATTERN,
    CONVERSATION_MAX_ITEMS,
    CONVERSATION_TEXT_MAX_CHARS,
    REQUESTS_KEY,
    ChatRequest,
    conversation_key,
)
from autcloud.gateway.inputs import DEFAULT_MAX_MESSAGE_CHARS
from tests.gateway.harness import REPO, auth, gateway, messages_url, python_command, run

CRD_COPIES = [
    Path(REPO) / "crds" / "autcloud.io_infradesigns.yaml",
    Path(REPO) / "charts" / "autcloud" / "crds" / "autcloud.io_infradesigns.yaml",
]


def _conversation_schema(path: Path) -> dict[str, Any]:
    crd = yaml.safe_load(path.read_text())
    [version] = [v for v in crd["spec"]["versions"] if v.get("storage")]
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    schema: dict[str, Any] = spec["properties"]["conversation"]
    return schema


@pytest.mark.parametrize("path", CRD_COPIES, ids=["crds", "chart"])
def test_the_shared_limits_are_the_crds(path: Path) -> None:
    conversation = _conversation_schema(path)
    item = conversation["items"]["properties"]
    assert conversation["maxItems"] == CONVERSATION_MAX_ITEMS
    assert item["text"]["maxLength"] == CONVERSATION_TEXT_MAX_CHARS
    assert item["text"]["minLength"] == 1  # the gateway refuses empty and blank texts
    assert item["id"]["maxLength"] == CONVERSATION_ID_MAX_CHARS
    assert item["id"]["minLength"] == 1
    assert item["id"]["pattern"] == CONVERSATION_ID_PATTERN
    # The gateway sends exactly these fields, so no other rule of the item schema applies.
    assert set(conversation["items"]["required"]) <= {"type", "text"}
    assert "change" in item["type"]["enum"]
    assert DEFAULT_MAX_MESSAGE_CHARS == CONVERSATION_TEXT_MAX_CHARS


async def _post(
    session: aiohttp.ClientSession, base: str, body: Any, name: str = "shop"
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with session.post(messages_url(base, "team", name), data=data, headers=auth()) as reply:
        return reply.status, await reply.json(content_type=None)


@pytest.mark.parametrize("char", ["😀", "x"], ids=["astral", "ascii"])
def test_a_text_over_the_crds_length_is_a_400_naming_the_limit(redis_url: str, char: str) -> None:
    async def scenario() -> None:
        at_limit = json.dumps({"text": char * CONVERSATION_TEXT_MAX_CHARS}, ensure_ascii=True)
        over = json.dumps({"text": char * (CONVERSATION_TEXT_MAX_CHARS + 1)}, ensure_ascii=True)
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            accepted = await _post(session, base, at_limit.encode())
            refused = await _post(session, base, over.encode())
        assert accepted[0] == 202, accepted[1]
        assert refused[0] == 400
        assert f"longer than {CONVERSATION_TEXT_MAX_CHARS} characters" in refused[1]["message"]
        assert "spec.conversation[].text" in refused[1]["message"]
        redis = Redis.from_url(redis_url)
        assert await redis.xlen(REQUESTS_KEY) == 1
        await redis.aclose()

    run(scenario())


BAD_IDS = ["k:1", "-lead", ".lead", "has space", "é", "a\n", "x" * 65, ""]
GOOD_IDS = ["k-1", "A.b_c-9", "0", "x" * 64]


def test_an_id_the_crd_refuses_is_a_400_naming_the_pattern(redis_url: str) -> None:
    crd_pattern = re.compile(CONVERSATION_ID_PATTERN)

    async def scenario() -> None:
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            for bad in [*BAD_IDS, 7]:
                status, body = await _post(session, base, {"text": "hi", "id": bad})
                assert status == 400, (bad, body)
                assert CONVERSATION_ID_PATTERN in body["message"]
                assert f"1-{CONVERSATION_ID_MAX_CHARS} characters" in body["message"]
            for good in GOOD_IDS:
                status, body = await _post(session, base, {"text": "hi", "id": good})
                assert status == 202, (good, body)

    for good in GOOD_IDS:  # the cases agree with the CRD's own pattern
        assert crd_pattern.search(good) and len(good) <= CONVERSATION_ID_MAX_CHARS
    run(scenario())


def test_the_message_finding_100_of_its_design_waiting_is_a_429_naming_the_backlog(
    redis_url: str,
) -> None:
    """The conversation has no cap (the operator archives full ones); the messages waiting
    for the operator do: at most the CRD's maxItems per design."""

    async def scenario() -> None:
        async with (
            gateway(redis_url, message_rate=0) as base,
            aiohttp.ClientSession() as session,
        ):
            for i in range(CONVERSATION_MAX_ITEMS):
                status, body = await _post(session, base, {"text": f"turn {i}", "id": f"m-{i}"})
                assert status == 202, (i, body)
            async with session.post(
                messages_url(base), json={"text": "one more", "id": "m-extra"}, headers=auth()
            ) as response:
                status, body = response.status, await response.json()
                assert response.headers["Retry-After"] == "5"
            assert status == 429
            assert f"{CONVERSATION_MAX_ITEMS} messages to team/shop wait" in body["message"]
            # A retry of an accepted message is still the same message, not a new one.
            retry = await _post(session, base, {"text": "turn 3", "id": "m-3"})
            assert retry[0] == 202 and retry[1]["duplicate"] is True
            # Another design has a backlog of its own.
            other = await _post(session, base, {"text": "hi"}, name="blog")
            assert other[0] == 202
        redis = Redis.from_url(redis_url)
        entries = await redis.xrange(REQUESTS_KEY)
        await redis.aclose()
        shop = [ChatRequest.from_fields(f) for _, f in entries]
        assert [r.seq for r in shop if r.name == "shop"] == list(
            range(1, CONVERSATION_MAX_ITEMS + 1)
        )

    run(scenario())


def test_messages_the_operator_handled_leave_the_backlog(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        # 100 accepted, the operator handled up to message 2 (its conversation had 140 turns,
        # archived ones not counted: the length does not matter any more).
        await redis.hset(  # type: ignore[misc]
            conversation_key("team", "shop"), mapping={"accepted": 100, "size": 40, "seq": 2}
        )
        async with (
            gateway(redis_url, message_rate=0) as base,
            aiohttp.ClientSession() as session,
        ):
            statuses = [(await _post(session, base, {"text": f"turn {i}"}))[0] for i in range(3)]
        await redis.aclose()
        assert statuses == [202, 202, 429]

    run(scenario())


def test_a_max_message_chars_above_the_crds_is_a_usage_error() -> None:
    result = subprocess.run(
        python_command(
            "gateway",
            "--redis-url",
            "redis://127.0.0.1:1/0",
            "--max-message-chars",
            str(CONVERSATION_TEXT_MAX_CHARS + 1),
        ),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"({CONVERSATION_TEXT_MAX_CHARS})" in result.stderr
    assert "--max-message-chars" in result.stderr
