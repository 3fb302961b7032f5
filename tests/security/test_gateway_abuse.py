"""Abuse of the SSE gateway (security issue, item 4 "Gateway limits"), over real HTTP with a
real redis-server, through tests/gateway's harness and fixtures.

Each finding has a test that failed before the limit existed; the Hypothesis tests at the end
throw arbitrary request inputs at a running gateway and require that none yields a 5xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import queue
import secrets
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from autcloud.events import REQUESTS_KEY
from tests.gateway import conftest as gateway_fixtures
from tests.gateway.harness import (
    REPO,
    TOKEN,
    auth,
    events_url,
    free_port,
    gateway,
    messages_url,
    python_command,
    run,
)
from tests.gateway.kube_fake import kube_gateway

# The real Redis of tests/gateway, shared here rather than copied.
shared_redis = gateway_fixtures.shared_redis
redis_url = gateway_fixtures.redis_url

MAX_ID = 2**64 - 1


async def _post(
    session: aiohttp.ClientSession,
    base: str,
    data: bytes,
    headers: dict[str, str] | None = None,
    name: str = "shop",
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with session.post(
        messages_url(base, name=name), data=data, headers={**auth(), **(headers or {})}
    ) as response:
        body = await response.json(content_type=None)
        return response.status, body, dict(response.headers)


# --- A JSON body nested 30,000 deep gave a 500 ---------------------------------------------


def test_a_body_nested_30000_deep_is_refused_naming_the_limit(redis_url: str) -> None:
    async def scenario() -> None:
        deep = b'{"text": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            status, body, _ = await _post(session, base, deep)
        assert status == 400
        assert "deeper than 32 levels" in body["message"]

    run(scenario())


def test_brackets_inside_strings_do_not_count_as_depth(redis_url: str) -> None:
    async def scenario() -> None:
        text = "[" * 1_000 + "{" * 1_000  # the longest text a conversation entry holds
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            status, _, _ = await _post(session, base, json.dumps({"text": text}).encode())
        assert status == 202

    run(scenario())


# --- The length limit counts decoded characters, whatever the escaping ---------------------


@pytest.mark.parametrize("char", ["😀", "é", "x"], ids=["astral", "bmp", "ascii"])
def test_a_message_at_the_limit_is_accepted_however_it_is_escaped(
    redis_url: str, char: str
) -> None:
    async def scenario() -> None:
        escaped = json.dumps({"text": char * 2_000}, ensure_ascii=True).encode()
        too_long = json.dumps({"text": char * 2_001}, ensure_ascii=True).encode()
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            accepted = await _post(session, base, escaped)
            refused = await _post(session, base, too_long)
        assert accepted[0] == 202, accepted[1]
        assert refused[0] == 400 and "longer than 2000 characters" in refused[1]["message"]
        redis = Redis.from_url(redis_url)
        entries = await redis.xrange(REQUESTS_KEY)
        await redis.aclose()
        assert len(entries[0][1][b"text"].decode()) == 2_000

    run(scenario())


def test_an_unpaired_surrogate_is_a_400_not_a_500(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            status, body, _ = await _post(session, base, b'{"text": "hi \\ud83d"}')
        assert status == 400 and "surrogate" in body["message"]

    run(scenario())


def test_a_body_over_the_limit_is_a_413_naming_the_limit(redis_url: str) -> None:
    async def scenario() -> None:
        huge = json.dumps({"text": "x" * 300_000}).encode()
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            status, body, _ = await _post(session, base, huge)
        assert status == 413 and "2000 characters" in body["message"]

    run(scenario())


# --- /metrics needed no token ---------------------------------------------------------------


def test_metrics_need_the_token(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base, aiohttp.ClientSession() as session:
            async with session.get(f"{base}/metrics") as anonymous:
                assert anonymous.status == 401
            async with session.get(f"{base}/metrics", headers=auth("wrong")) as wrong:
                assert wrong.status == 401
            async with session.get(f"{base}/metrics", headers=auth()) as allowed:
                assert allowed.status == 200
                assert "autcloud_gateway_sse_clients" in await allowed.text()

    run(scenario())


def test_metrics_listen_serves_metrics_alone_without_a_token(redis_url: str) -> None:
    port, metrics_port = free_port(), free_port()
    process = subprocess.Popen(
        python_command(
            "gateway",
            "--redis-url",
            redis_url,
            "--listen",
            f"127.0.0.1:{port}",
            "--metrics-listen",
            f"127.0.0.1:{metrics_port}",
            "--token",
            TOKEN,
        ),
        cwd=REPO,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{metrics_port}/metrics", timeout=1
                ) as response:
                    assert b"autcloud_gateway_http_requests_total" in response.read()
                    break
            except OSError:
                assert time.monotonic() < deadline, "the metrics address did not answer"
                time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError) as main_port:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)
        assert main_port.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as only_metrics:
            urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/readyz", timeout=2)
        assert only_metrics.value.code == 404
    finally:
        process.terminate()
        assert process.wait(10) == 0


# --- A Last-Event-ID beyond 64 bits gave 200 and a closed stream ---------------------------


@pytest.mark.parametrize(
    ("headers", "params", "named"),
    [
        ({"Last-Event-ID": f"{MAX_ID + 1}-0"}, {}, "Last-Event-ID"),
        ({"Last-Event-ID": f"1-{MAX_ID + 1}"}, {}, "Last-Event-ID"),
        ({"Last-Event-ID": "99999999999999999999-0"}, {}, "Last-Event-ID"),
        ({"Last-Event-ID": "١٢٣-٠"}, {}, "Last-Event-ID"),  # digits, but not ASCII ones
        ({}, {"since": f"{MAX_ID + 1}-0"}, "since"),
        ({}, {"since": "1-1\n"}, "since"),
    ],
)
def test_a_resume_point_out_of_range_is_a_400(
    redis_url: str, headers: dict[str, str], params: dict[str, str], named: str
) -> None:
    async def scenario() -> None:
        async with (
            gateway(redis_url) as base,
            aiohttp.ClientSession() as session,
            session.get(events_url(base), headers={**auth(), **headers}, params=params) as response,
        ):
            status = response.status
            body = await response.json(content_type=None)
        assert status == 400 and named in body["message"]

    run(scenario())


def test_the_largest_entry_id_is_a_valid_resume_point_that_stays_open(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            gateway(redis_url, heartbeat_s=0.2) as base,
            aiohttp.ClientSession() as session,
            session.get(
                events_url(base), headers={**auth(), "Last-Event-ID": f"{MAX_ID}-{MAX_ID}"}
            ) as response,
        ):
            assert response.status == 200
            lines = [await response.content.readline() for _ in range(4)]
        # retry:, blank, then a heartbeat: the stream is alive, not closed on a Redis error
        assert lines[0].startswith(b"retry:") and lines[2] == b": heartbeat\n"

    run(scenario())


# --- 1,000 messages in 0.7 s were all accepted ---------------------------------------------


def test_a_flood_of_messages_from_one_identity_gets_429_with_retry_after(redis_url: str) -> None:
    async def scenario() -> None:
        connector = aiohttp.TCPConnector(limit=50)
        async with gateway(redis_url) as base, aiohttp.ClientSession(connector=connector) as s:
            started = time.monotonic()
            answers = await asyncio.gather(
                *(_post(s, base, json.dumps({"text": f"m{i}"}).encode()) for i in range(1000))
            )
            elapsed = time.monotonic() - started
        accepted = [a for a in answers if a[0] == 202]
        limited = [a for a in answers if a[0] == 429]
        # The default bucket: 20 at once, then 1 a second.
        assert len(accepted) <= 20 + elapsed + 1
        assert len(accepted) + len(limited) == 1000
        assert all(int(headers["Retry-After"]) >= 1 for _, _, headers in limited)
        assert "too many messages" in limited[0][1]["message"]
        redis = Redis.from_url(redis_url)
        assert await redis.xlen(REQUESTS_KEY) == len(accepted)
        await redis.aclose()

    run(scenario())


def test_the_message_limit_is_per_identity(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            kube_gateway(redis_url, message_burst=2, message_rate=0.01) as (base, _),
            aiohttp.ClientSession() as session,
        ):
            statuses = []
            for token in ["alice-token"] * 3:
                async with session.post(
                    messages_url(base), json={"text": "hi"}, headers=auth(token)
                ) as response:
                    statuses.append(response.status)
        assert statuses == [202, 202, 429]

    run(scenario())


# --- The requests stream could grow to gigabytes ------------------------------------------


def test_the_requests_stream_stays_within_its_byte_budget(redis_url: str) -> None:
    async def scenario() -> None:
        budget = 600_000
        text = "한" * 1000  # 3,000 bytes of UTF-8 each: 300 of them are 900 KB
        async with (
            gateway(
                redis_url,
                max_message_chars=1000,
                requests_max_bytes=budget,
                message_burst=10_000,
            ) as base,
            aiohttp.ClientSession() as session,
        ):
            for i in range(300):
                # Three designs: a conversation holds at most 100 entries (the CRD's maxItems).
                status, _, _ = await _post(
                    session,
                    base,
                    json.dumps({"text": f"{i} {text}"[:1000]}).encode(),
                    name=f"shop-{i // 100}",
                )
                assert status == 202
        redis = Redis.from_url(redis_url)
        usage = await redis.memory_usage(REQUESTS_KEY, samples=0)
        length = await redis.xlen(REQUESTS_KEY)
        await redis.aclose()
        assert usage is not None and usage <= budget
        assert 0 < length < 300

    run(scenario())


# --- Half-sent requests were never timed out -----------------------------------------------


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or None if it still had not closed."""
    sock.settimeout(0.2)
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    return None


def test_a_half_sent_request_head_is_cut_off(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url, header_timeout_s=1.0) as base:
            host, port = base.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(b"POST /v1/namespaces/team/infradesigns/shop/messages HTTP/1.1\r\n")
                sock.sendall(b"Host: x\r\n")  # ... and the rest never comes
                started = time.monotonic()
                closed = await asyncio.to_thread(_closed_within, sock, 5.0)
                assert closed is not None, "the half-sent head held the connection"
                assert time.monotonic() - started < 3

    run(scenario())


def test_a_half_sent_body_gets_408_and_the_connection_closes(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url, body_timeout_s=1.0) as base:
            host, port = base.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(
                    b"POST /v1/namespaces/team/infradesigns/shop/messages HTTP/1.1\r\n"
                    b"Host: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                    b'{"text": "'
                )
                closed = await asyncio.to_thread(_closed_within, sock, 5.0)
        assert closed is not None, "the half-sent body held the connection"
        assert closed.startswith(b"HTTP/1.1 408")

    run(scenario())


# --- Kubernetes auth: one TokenReview per random token, and a full cache cleared at once ---


def test_random_tokens_from_one_address_stop_costing_token_reviews(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            kube_gateway(redis_url, auth_failure_burst=5, auth_failure_rate=0.01) as (base, api),
            aiohttp.ClientSession() as session,
        ):
            statuses = []
            for _ in range(30):
                async with session.get(
                    f"{events_url(base)}?since=now", headers=auth(secrets.token_hex(16))
                ) as response:
                    statuses.append(response.status)
                    retry_after = response.headers.get("Retry-After")
            # A valid token from that address waits too: the address is limited, not a token.
            async with session.post(
                messages_url(base), json={"text": "hi"}, headers=auth("alice-token")
            ) as response:
                alice = response.status
        assert statuses == [401] * 5 + [429] * 25
        assert retry_after is not None and int(retry_after) >= 1
        assert api.token_reviews == 5
        assert alice == 429

    run(scenario())


def test_the_failure_limit_follows_the_forwarded_address_behind_trusted_proxies(
    redis_url: str,
) -> None:
    async def scenario() -> None:
        async with (
            kube_gateway(
                redis_url, auth_failure_burst=1, auth_failure_rate=0.01, trusted_proxy_hops=1
            ) as (base, _),
            aiohttp.ClientSession() as session,
        ):
            statuses = []
            for client in ["10.0.0.1", "10.0.0.1", "10.0.0.2"]:
                # The client's own claim (left) is ignored; the proxy's entry (right) counts.
                forwarded = f"6.6.6.6, {client}"
                async with session.get(
                    events_url(base),
                    headers={**auth("bad-token"), "X-Forwarded-For": forwarded},
                ) as response:
                    statuses.append(response.status)
        assert statuses == [401, 429, 401]

    run(scenario())


def test_a_full_review_cache_forgets_the_coldest_answer_not_all(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            kube_gateway(
                redis_url, cache_ttl_s=60, negative_ttl_s=60, cache_limit=4, auth_failure_rate=0
            ) as (base, api),
            aiohttp.ClientSession() as session,
        ):

            async def get(token: str) -> int:
                async with session.get(
                    f"{events_url(base)}?since=now",
                    headers=auth(token),
                    timeout=aiohttp.ClientTimeout(sock_read=0.3),
                ) as response:
                    return response.status

            # alice: her TokenReview and SubjectAccessReview fill 2 of the 4 places
            assert await get("alice-token") == 200
            assert await get("stranger-1") == 401
            assert await get("stranger-2") == 401  # the cache is full
            assert await get("alice-token") == 200  # a hit: alice is now the most recent
            assert await get("stranger-3") == 401  # pushes out stranger-1 only
            assert await get("alice-token") == 200
        alice_reviews = [
            r
            for r in api.reviews
            if r["kind"] == "TokenReview" and r["spec"]["token"] == "alice-token"
        ]
        assert len(alice_reviews) == 1

    run(scenario())


def test_a_bad_token_is_remembered_only_briefly(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            kube_gateway(redis_url, cache_ttl_s=60, negative_ttl_s=0.3) as (base, api),
            aiohttp.ClientSession() as session,
        ):
            for pause in (0.0, 0.0, 0.5):
                await asyncio.sleep(pause)
                async with session.post(
                    messages_url(base), json={"text": "hi"}, headers=auth("stolen-token")
                ) as response:
                    assert response.status == 401
        # the second ask was answered from the cache; the third came after the short TTL
        assert api.token_reviews == 2

    run(scenario())


# --- Fuzzing: no request input yields a 5xx ------------------------------------------------


@contextlib.contextmanager
def _gateway_in_thread(redis_url: str, **settings: Any) -> Iterator[tuple[str, int]]:
    """A gateway on its own event loop in a thread, for synchronous Hypothesis examples."""
    ready: queue.Queue[tuple[str, int] | BaseException] = queue.Queue()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with gateway(redis_url, **settings) as base:
                host, port = base.removeprefix("http://").split(":")
                ready.put((host, int(port)))
                await stop.wait()
        except BaseException as exc:
            ready.put(exc)
            raise

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started = ready.get(timeout=30)
    if isinstance(started, BaseException):
        raise started
    try:
        yield started
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


@pytest.fixture
def fuzz_target(redis_url: str) -> Iterator[tuple[str, int]]:
    # Rate limits far above what the fuzzer sends, so every input reaches the parsers.
    with _gateway_in_thread(
        redis_url, message_burst=1_000_000, message_rate=1_000, heartbeat_s=0.5
    ) as address:
        yield address


def _status(
    address: tuple[str, int],
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    connection = http.client.HTTPConnection(*address, timeout=15)
    try:
        connection.request(method, path, body=body, headers={**auth(), **(headers or {})})
        return connection.getresponse().status  # the head only: an SSE body never ends
    finally:
        connection.close()


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_MESSAGE_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "text": _JSON_VALUES | st.text(max_size=20_000),
        "id": _JSON_VALUES | st.from_regex(r"[A-Za-z0-9._:-]{1,130}", fullmatch=True),
    },
)
_BODIES = (
    st.tuples(_MESSAGE_LIKE | _JSON_VALUES, st.booleans()).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=pair[1]).encode()
    )
    | st.binary(max_size=2_000)
    | st.integers(0, 50_000).map(lambda n: b'{"text": ' + b"[" * n + b"]" * n + b"}")
    | st.integers(0, 20_000).map(lambda n: b"{" * n)
    | st.integers(4_000, 10_000).map(lambda n: b'{"text": ' + b"9" * n + b"}")
    | st.text().map(lambda t: ('{"text": "' + t + '"}').encode("utf-8", "surrogatepass"))
)
_ENTRY_IDS = st.tuples(st.integers(0, 2**66), st.integers(0, 2**66)).map(lambda p: f"{p[0]}-{p[1]}")
# What http.client will put in a header value: visible Latin-1, spaces and tabs, no line breaks.
_HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
) | st.sampled_from(["", " ", "0-0", f"{MAX_ID}-{MAX_ID}", f"{MAX_ID + 1}-0", "-1-0", "1-"])
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=_BODIES)
def test_no_message_body_yields_a_5xx(fuzz_target: tuple[str, int], body: bytes) -> None:
    status = _status(fuzz_target, "POST", "/v1/namespaces/team/infradesigns/shop/messages", body)
    assert status < 500, body[:200]


@FUZZ
@given(last_event_id=_HEADER_TEXT | _ENTRY_IDS)
def test_no_last_event_id_yields_a_5xx(fuzz_target: tuple[str, int], last_event_id: str) -> None:
    status = _status(
        fuzz_target,
        "GET",
        "/v1/namespaces/team/infradesigns/shop/events",
        headers={"Last-Event-ID": last_event_id},
    )
    assert status < 500, last_event_id


@FUZZ
@given(
    query=st.lists(
        st.tuples(
            st.sampled_from(["since", "until"]) | st.text(max_size=10),
            _ENTRY_IDS | st.sampled_from(["now", "$", "start", "0", "done", ""]) | st.text(),
        ),
        max_size=4,
    ),
    namespace=st.sampled_from(["team"]) | st.text(min_size=1, max_size=70),
    name=st.sampled_from(["shop"]) | st.text(min_size=1, max_size=70),
)
def test_no_query_or_design_name_yields_a_5xx(
    fuzz_target: tuple[str, int], query: list[tuple[str, str]], namespace: str, name: str
) -> None:
    path = (
        f"/v1/namespaces/{urllib.parse.quote(namespace, safe='')}"
        f"/infradesigns/{urllib.parse.quote(name, safe='')}"
    )
    encoded = urllib.parse.urlencode(query, encoding="utf-8", errors="surrogatepass")
    for method, suffix in (("GET", "/events"), ("POST", "/messages")):
        status = _status(
            fuzz_target,
            method,
            f"{path}{suffix}?{encoded}",
            b'{"text": "hi"}' if method == "POST" else None,
        )
        assert status < 500, (method, namespace, name, query)
