"""autcloud gateway / watch / say, run as real processes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.request

from redis.asyncio import Redis

from autcloud.events import REQUESTS_KEY, Done, NodeFinished, NodeStarted
from autcloud.gateway.streams import EventPublisher
from tests.gateway.harness import REPO, TOKEN, free_port, gateway, python_command, run


async def _cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *python_command(*args), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode or 0, out.decode(), err.decode()


def test_say_sends_a_message_and_prints_its_id(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            code, out, _ = await _cli(
                "say",
                "team/shop",
                "Add a cache",
                "--id",
                "m-42",
                "--gateway",
                base,
                "--token",
                TOKEN,
            )
        assert (code, out.strip()) == (0, "m-42")
        redis = Redis.from_url(redis_url)
        assert await redis.xlen(REQUESTS_KEY) == 1
        await redis.aclose()

    run(scenario())


def test_say_with_a_bad_token_exits_3(redis_url: str) -> None:
    async def scenario() -> None:
        async with gateway(redis_url) as base:
            code, _, err = await _cli(
                "say", "team/shop", "hi", "--gateway", base, "--token", "wrong"
            )
        assert code == 3 and "not valid" in err

    run(scenario())


def test_watch_follows_a_run_to_done_with_progress_and_json(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        publisher = EventPublisher(redis)
        async with gateway(redis_url) as base:
            watcher = asyncio.create_task(
                _cli("watch", "team/shop", "--json", "--gateway", base, "--token", TOKEN)
            )
            await asyncio.sleep(1.0)
            await publisher.publish("team", "shop", NodeStarted(node="plan"))
            await publisher.publish("team", "shop", NodeFinished(node="plan", duration_ms=1200))
            await publisher.publish("team", "shop", Done(phase="Ready", ok=True))
            code, out, err = await watcher
        lines = [json.loads(line) for line in out.splitlines()]
        assert code == 0
        assert [line["event"] for line in lines] == ["node.started", "node.finished", "done"]
        assert "✓ plan      1200 ms" in err  # the line `autcloud design` prints for it too
        await redis.aclose()

    run(scenario())


def test_watch_exits_1_when_the_run_failed(redis_url: str) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_url)
        await EventPublisher(redis).publish("team", "shop", Done(phase="Failed", ok=False))
        async with gateway(redis_url) as base:
            code, _, _ = await _cli("watch", "team/shop", "--gateway", base, "--token", TOKEN)
        assert code == 1
        await redis.aclose()

    run(scenario())


def test_the_gateway_command_serves_until_stopped(redis_url: str) -> None:
    port = free_port()
    process = subprocess.Popen(
        python_command(
            "gateway", "--redis-url", redis_url, "--listen", f"127.0.0.1:{port}", "--token", TOKEN
        ),
        cwd=REPO,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
    finally:
        process.terminate()
        assert process.wait(10) == 0


def test_the_gateway_refuses_to_listen_openly_without_auth(redis_url: str) -> None:
    result = subprocess.run(
        python_command("gateway", "--redis-url", redis_url, "--listen", "0.0.0.0:8080"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--token" in result.stderr and "--kubernetes-auth" in result.stderr
