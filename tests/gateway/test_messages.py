"""POST .../messages: a chat message joins the requests stream, once per idempotency key."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from autcloud.events import REQUESTS_KEY, ChatRequest
from autcloud.gateway.client import GatewayClient
from tests.gateway.harness import TOKEN, auth, events_url, gateway, messages_url, run


async def _post(
    base: str,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    namespace: str = "team",
    name: str = "shop",
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            messages_url(base, namespace, name),
            data=data,
            headers=auth() if headers is None else headers,
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


def test_a_message_is_accepted_with_its_id_and_joins_the_requests_stream(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            status, answer = await _post(base, {"text": "Add a read replica", "id": "m-1"})
        assert status == 202
        assert answer["id"] == "m-1" and not answer["duplicate"]
        redis = Redis.from_url(redis_url)
        entries = await redis.xrange(REQUESTS_KEY)
        await redis.aclose()
        assert [e[0].decode() for e in entries] == [answer["entry"]]
        request = ChatRequest.from_fields(entries[0][1])
        assert (request.namespace, request.name, request.text) == (
            "team",
            "shop",
            "Add a read replica",
        )

    run(scenario())


def test_a_message_without_an_id_gets_one(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            status, answer = await _post(base, {"text": "hello"})
        assert status == 202 and len(answer["id"]) >= 16

    run(scenario())


def test_sending_the_same_id_again_is_a_no_op(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            first = await _post(base, {"text": "Use Aurora", "id": "k-7"})
            second = await _post(base, {"text": "Use Aurora", "id": "k-7"})
        assert second[0] == 202 and second[1]["duplicate"] is True
        assert second[1]["entry"] == first[1]["entry"]
        redis = Redis.from_url(redis_url)
        assert await redis.xlen(REQUESTS_KEY) == 1
        await redis.aclose()

    run(scenario())


def test_reusing_an_id_for_another_text_is_a_conflict(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            await _post(base, {"text": "Use Aurora", "id": "k-8"})
            status, answer = await _post(base, {"text": "Use DynamoDB", "id": "k-8"})
        assert status == 409 and "k-8" in answer["message"]

    run(scenario())


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"not json", "not JSON"),
        ([1, 2], "JSON object"),
        ({}, "'text'"),
        ({"text": 5}, "'text'"),
        ({"text": "   "}, "'text' is empty"),
        ({"text": "x" * 20_000}, "longer than"),
        ({"text": "hi", "id": "has spaces"}, "'id'"),
        ({"text": "hi", "colour": "red"}, "'colour'"),
    ],
)
def test_a_malformed_message_is_refused_naming_the_problem(
    redis_url: str, body: Any, named: str
) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            status, answer = await _post(base, body)
        assert status == 400
        assert named in answer["message"]

    run(scenario())


@pytest.mark.parametrize(
    ("namespace", "name", "named"),
    [("Team", "shop", "namespace"), ("team", "shop_1", "name"), ("t" * 64, "shop", "namespace")],
)
def test_an_invalid_design_reference_is_refused(
    redis_url: str, namespace: str, name: str, named: str
) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            status, answer = await _post(base, {"text": "hi"}, namespace=namespace, name=name)
            async with (
                aiohttp.ClientSession() as session,
                session.get(events_url(base, namespace, name), headers=auth()) as response,
            ):
                events_status = response.status
        assert status == 400 and answer["message"].startswith(named)
        assert events_status == 400

    run(scenario())


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwdw=="}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_a_request_without_the_right_token_is_unauthorized(
    redis_url: str, headers: dict[str, str]
) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            status, answer = await _post(base, {"text": "hi"}, headers=headers)
            async with (
                aiohttp.ClientSession() as session,
                session.get(events_url(base), headers=headers) as response,
            ):
                events_status = response.status
                challenge = response.headers.get("WWW-Authenticate")
        assert (status, events_status, challenge) == (401, 401, "Bearer")
        assert "token" in answer["message"]
        redis = Redis.from_url(redis_url)
        assert await redis.xlen(REQUESTS_KEY) == 0
        await redis.aclose()

    run(scenario())


def test_malformed_stream_parameters_are_refused(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            answers = []
            for headers, params in [
                ({"Last-Event-ID": "yesterday"}, {}),
                ({}, {"until": "forever"}),
                ({}, {"since": "abc"}),
            ]:
                async with session.get(
                    events_url(base), headers={**auth(), **headers}, params=params
                ) as response:
                    answers.append((response.status, (await response.json())["message"]))
        assert [status for status, _ in answers] == [400, 400, 400]
        assert "Last-Event-ID" in answers[0][1]
        assert "until" in answers[1][1]
        assert "since" in answers[2][1]

    run(scenario())


def test_cors_preflight_and_responses_carry_the_allowed_origin(redis_url: str) -> None:
    async def scenario() -> None:
        origin = "https://console.example"
        async with (
            gateway(redis_url, cors_origins=(origin,)) as base,
            aiohttp.ClientSession() as session,
        ):
            async with session.options(
                messages_url(base),
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            ) as preflight:
                allowed = preflight.headers.get("Access-Control-Allow-Origin")
                assert preflight.status == 204
            async with session.options(
                messages_url(base),
                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
            ) as refused:
                assert refused.status == 403
            async with session.post(
                messages_url(base), json={"text": "hi"}, headers={**auth(), "Origin": origin}
            ) as response:
                assert response.headers.get("Access-Control-Allow-Origin") == origin
        assert allowed == origin

    run(scenario())


def test_health_readiness_and_metrics_are_served(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            await _post(base, {"text": "hi"})
            async with session.get(f"{base}/healthz") as health:
                assert health.status == 200
            async with session.get(f"{base}/readyz") as ready:
                assert ready.status == 200
            async with session.get(f"{base}/metrics", headers=auth()) as metrics:
                text = await metrics.text()
        assert 'autcloud_gateway_messages_accepted_total{duplicate="false"} 1.0' in text
        assert "autcloud_gateway_sse_clients 0.0" in text

    run(scenario())


def test_the_client_waits_out_a_rate_limit_instead_of_failing(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url, message_burst=1, message_rate=2.0) as base:
            client = GatewayClient(base, TOKEN)
            await client.send_message("team/shop", "one")
            started = time.monotonic()
            answer = await client.send_message("team/shop", "two")
            waited = time.monotonic() - started
        assert answer["duplicate"] is False
        assert waited >= 0.9  # Retry-After: 1

    run(scenario())
