"""Every Redis URL form the docs promise opens a real connection (gateway.redis_url)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from redis.asyncio import Redis
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from autcloud.gateway.redis_url import (
    ENV_REDIS_PASSWORD,
    check_redis_url,
    parse_sentinel_url,
    redis_from_url,
)
from tests.gateway.harness import free_port, run
from tests.gateway.kube_fake import ClusterTls, cluster_tls
from tests.tooling import require_tool

PASSWORD = "p@ss/w#rd:50% ?x y"  # every character a URL gives a meaning to, and a space


@contextlib.contextmanager
def redis_server(*args: str, tls: ClusterTls | None = None) -> Iterator[int]:
    """A redis-server on a free port of 127.0.0.1 with ``args`` (only TLS on it with ``tls``,
    a certificate for 127.0.0.1 signed by ``tls.ca_file``); yields the port."""
    binary = require_tool("redis-server", "the Redis URL tests connect to a real Redis")
    port = free_port()
    listen = ["--port", str(port)]
    if tls is not None:
        listen = ["--port", "0", "--tls-port", str(port), "--tls-auth-clients", "no"]
        listen += ["--tls-cert-file", str(tls.cert_file), "--tls-key-file", str(tls.key_file)]
        listen += ["--tls-ca-cert-file", str(tls.ca_file)]
    # Its own folder: a replica's full sync writes an RDB file even with --save "", and the
    # working directory is the checkout.
    folder = tempfile.TemporaryDirectory(prefix="autcloud-redis-")
    process = subprocess.Popen(
        [binary, *listen, "--bind", "127.0.0.1", "--save", "", "--dir", folder.name, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield port
    finally:
        process.kill()
        process.wait(5)
        folder.cleanup()


def stop_listening(port: int) -> None:
    """The Redis on ``port`` goes away at once, as a crashed master would (SHUTDOWN NOSAVE)."""
    import redis

    with contextlib.suppress(RedisConnectionError):
        redis.Redis(host="127.0.0.1", port=port).shutdown(nosave=True)


def wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


async def round_trip(client: Redis) -> bytes | None:
    try:
        await client.set("k", "v")
        value: bytes | None = await client.get("k")
        return value
    finally:
        await client.aclose()


def test_a_password_from_the_environment_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_REDIS_PASSWORD, PASSWORD)
    with redis_server("--requirepass", PASSWORD) as port:
        assert run(round_trip(redis_from_url(f"redis://127.0.0.1:{port}/0"))) == b"v"


def test_a_percent_encoded_password_in_the_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_REDIS_PASSWORD, "not-this-one")
    url_password = quote(PASSWORD, safe="")
    with redis_server("--requirepass", PASSWORD) as port:
        client = redis_from_url(f"redis://:{url_password}@127.0.0.1:{port}/0")
        assert run(round_trip(client)) == b"v"


def test_a_rediss_url_speaks_tls_and_verifies_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_REDIS_PASSWORD, PASSWORD)
    tls = cluster_tls()
    with redis_server("--requirepass", PASSWORD, tls=tls) as port:
        url = f"rediss://127.0.0.1:{port}/0"
        assert run(round_trip(redis_from_url(f"{url}?ssl_ca_certs={tls.ca_file}"))) == b"v"
        with pytest.raises(RedisConnectionError, match="certificate verify failed"):
            run(round_trip(redis_from_url(url)))  # a CA the client does not trust: refused
        with pytest.raises(RedisConnectionError):
            run(round_trip(redis_from_url(f"redis://127.0.0.1:{port}/0")))  # no TLS: no answer


def test_a_pooled_client_waits_for_a_free_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_REDIS_PASSWORD, raising=False)
    with redis_server() as port:
        client = redis_from_url(f"redis://127.0.0.1:{port}/0", max_connections=1, pool_timeout=5)
        assert run(round_trip(client)) == b"v"


def test_a_sentinel_url_reaches_the_master_the_sentinels_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_REDIS_PASSWORD, PASSWORD)
    with redis_server("--requirepass", PASSWORD) as master:
        config = tmp_path / "sentinel.conf"  # Sentinel rewrites its config file: a writable one
        config.write_text(
            f"port {{port}}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master} 1\n"
            f'sentinel auth-pass mymaster "{PASSWORD}"\n'
        )
        sentinel_port = free_port()
        config.write_text(config.read_text().replace("{port}", str(sentinel_port)))
        binary = require_tool("redis-server", "Sentinel is redis-server --sentinel")
        sentinel = subprocess.Popen(
            [binary, str(config), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(sentinel_port)
            url = f"redis+sentinel://127.0.0.1:{sentinel_port}/mymaster/0"
            assert run(round_trip(redis_from_url(url))) == b"v"
        finally:
            sentinel.kill()
            sentinel.wait(5)


def test_a_sentinel_client_follows_a_failover_to_the_promoted_replica(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_REDIS_PASSWORD, raising=False)
    binary = require_tool("redis-server", "Sentinel is redis-server --sentinel")
    with contextlib.ExitStack() as stack:
        master = stack.enter_context(redis_server())
        replica = stack.enter_context(redis_server("--replicaof", "127.0.0.1", str(master)))
        sentinel_port = free_port()
        config = tmp_path / "sentinel.conf"
        config.write_text(
            f"port {sentinel_port}\nbind 127.0.0.1\n"
            f"sentinel monitor mymaster 127.0.0.1 {master} 1\n"
            "sentinel down-after-milliseconds mymaster 500\n"
            "sentinel failover-timeout mymaster 5000\n"
        )
        sentinel = subprocess.Popen(
            [binary, str(config), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(sentinel.wait, 5)
        stack.callback(sentinel.kill)
        wait_for_port(sentinel_port)

        async def scenario() -> tuple[bytes | None, bytes | None]:
            client = redis_from_url(f"redis+sentinel://127.0.0.1:{sentinel_port}/mymaster/0")
            try:
                await client.set("k", "before")
                await client.wait(1, 5000)  # the replica has it
                stop_listening(master)
                deadline = time.monotonic() + 30
                while True:  # the first calls fail until Sentinel has promoted the replica
                    try:
                        await client.set("after", "failover")
                        break
                    except (RedisConnectionError, ReadOnlyError, RedisTimeoutError):
                        assert time.monotonic() < deadline, "no failover within 30 s"
                        await asyncio.sleep(0.2)
                pool = client.connection_pool
                assert isinstance(pool, SentinelConnectionPool)
                address = await pool.get_master_address()  # type: ignore[no-untyped-call]
                assert address == ("127.0.0.1", replica)
                before: bytes | None = await client.get("k")
                after: bytes | None = await client.get("after")
                return before, after
            finally:
                await client.aclose()

        assert run(scenario()) == (b"before", b"failover")


def test_a_sentinel_url_lists_hosts_service_database_and_tls() -> None:
    target = parse_sentinel_url(
        "rediss+sentinel://app:s%40cret@a.example:26379,[fd00::1]:26380,b.example/cache/3"
        "?sentinel_password=x"
    )

    assert target.sentinels == (("a.example", 26379), ("fd00::1", 26380), ("b.example", 26379))
    assert (target.service, target.db, target.username, target.password) == (
        "cache",
        3,
        "app",
        "s@cret",
    )
    assert target.tls and target.sentinel_password == "x"


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("http://redis:6379", "redis://redis:6379/0"),
        ("redis+sentinel://sentinel:26379", "/mymaster/0"),
        ("redis+sentinel://sentinel:26379/mymaster/x", "not a number"),
        ("redis+sentinel://sentinel:port/mymaster", "HOST:PORT"),
    ],
)
def test_a_bad_url_is_refused_naming_the_fix(url: str, fix: str) -> None:
    with pytest.raises(ValueError, match=fix):
        check_redis_url(url)


def test_the_error_for_a_bad_url_masks_its_password() -> None:
    with pytest.raises(ValueError) as refused:
        check_redis_url("redis+sentinel://:hunter2@sentinel:26379")

    assert "hunter2" not in str(refused.value) and "***" in str(refused.value)
