"""Traces across processes, exported the way a user configures them (OTEL_* variables, Zipkin).

Real: `autcloud gateway` and `autcloud operator` as two processes started from the command
line, a redis-server between them, git with a bare repository, the OpenTelemetry SDK's Zipkin
exporter posting JSON v2 over HTTP. Emulated: the Kubernetes API server (kmock, nothing real can
run here) and the Zipkin collector: an HTTP receiver on 127.0.0.1 that keeps what it is sent.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from tests.gateway.harness import RedisServer, free_port, python_command
from tests.gitsink.bare_remote import BareRemote
from tests.operator.harness import Cluster, is_settled
from tests.operator.test_operator_kmock import spec_for

pytestmark = pytest.mark.asyncio
TOKEN = "gateway-test-token"


class ZipkinReceiver:
    """``POST /api/v2/spans`` as a Zipkin collector takes it; keeps every span."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/v2/spans", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/api/v2/spans"

    async def _receive(self, request: web.Request) -> web.Response:
        batch = await request.json()
        assert isinstance(batch, list)
        self.spans.extend(batch)
        return web.Response(status=202)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, name: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [span for span in self.spans if span.get("name") == name]
            if found:
                return found[-1]
            await asyncio.sleep(0.1)
        names = sorted({str(span.get("name")) for span in self.spans})
        raise AssertionError(f"no span {name!r} arrived in {timeout:.0f} s; got {names}")


@pytest_asyncio.fixture
async def zipkin() -> AsyncIterator[ZipkinReceiver]:
    receiver = ZipkinReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


class Processes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.started[name] = subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM, as Kubernetes stops a pod: each process sends its last spans on the way."""
        for process in self.started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    yield running
    running.stop()
    for name in running.started:  # shown when a test fails
        print(f"--- {name}\n{running.log(name)[-3000:]}")


def otel_environment(zipkin: ZipkinReceiver) -> dict[str, str]:
    return {
        "OTEL_TRACES_EXPORTER": "zipkin",
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT": zipkin.url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # milliseconds: spans leave soon after they end
    }


async def wait_for_gateway(base: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"the gateway at {base} did not start")


def service(span: dict[str, Any]) -> str:
    return str((span.get("localEndpoint") or {}).get("serviceName"))


async def test_a_run_and_a_chat_message_arrive_as_linked_traces_from_two_processes(
    tmp_path: Path,
    cluster: Cluster,
    remote: BareRemote,
    redis_server: RedisServer,
    zipkin: ZipkinReceiver,
    processes: Processes,
) -> None:
    environment = otel_environment(zipkin)
    port = free_port()
    gateway = f"http://127.0.0.1:{port}"
    processes.start(
        "gateway",
        python_command(
            "gateway",
            f"--listen=127.0.0.1:{port}",
            f"--redis-url={redis_server.url}",
            f"--token={TOKEN}",
        ),
        environment,
    )
    processes.start(
        "operator",
        python_command(
            "operator",
            f"--redis-url={redis_server.url}",
            "--metrics-listen=off",
            "--no-diagram",
            "--log-format=plain",
            "--allow-local-repositories",
            f"--git-cache={tmp_path / 'git-cache'}",
        ),
        environment,
    )
    spec = spec_for(remote)
    await cluster.apply("web", {**spec, "git": {**spec["git"], "mode": "push"}})
    await cluster.wait_for("web", is_settled(), timeout=90, what="settled")

    # One design run: one trace, the reconcile at its root, in the operator's service.
    root = await zipkin.wait_for("reconcile InfraDesign", timeout=30)
    await zipkin.wait_for("publish events", timeout=30)
    run = [span for span in zipkin.spans if span["traceId"] == root["traceId"]]
    assert "parentId" not in root
    assert {service(span) for span in run} == {"autcloud-operator"}
    ids = {span["id"]: span for span in run}
    names = {span["name"]: span for span in run}
    for span in run:
        if span is not root:
            assert span.get("parentId") in ids, f"{span['name']} is not linked into the run"

    def parent_name(name: str) -> str:
        return str(ids[names[name]["parentId"]]["name"])

    assert parent_name("design") == "reconcile InfraDesign"
    assert parent_name("node plan") == "design"
    assert parent_name("node validate") == "design"
    assert parent_name("check terraform fmt") == "node validate"
    assert parent_name("publish git") == "reconcile InfraDesign"
    assert any(name.startswith("generate ") for name in names)

    # A chat message continues the caller's trace in the gateway, then in the operator.
    client_trace, client_span = secrets.token_hex(16), secrets.token_hex(8)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{gateway}/v1/namespaces/default/infradesigns/web/messages",
            json={"id": "m-1", "text": "Add a Redis cache"},
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "traceparent": f"00-{client_trace}-{client_span}-01",
            },
        ) as response,
    ):
        assert response.status == 202, await response.text()
    applied = await zipkin.wait_for("apply chat message", timeout=30)
    posted = await zipkin.wait_for(
        "POST /v1/namespaces/{namespace}/infradesigns/{name}/messages", timeout=30
    )

    assert posted["traceId"] == applied["traceId"] == client_trace
    assert service(posted) == "autcloud-gateway" and posted["parentId"] == client_span
    assert service(applied) == "autcloud-operator" and applied["parentId"] == posted["id"]
    assert applied["tags"]["autcloud.chat.outcome"] == "applied"
    design = await cluster.get("web")
    assert design is not None
    assert [turn["id"] for turn in design["spec"]["conversation"]] == ["m-1"]
    assert json.dumps(zipkin.spans).count(TOKEN) == 0  # no credential in any span


class OtlpReceiver:
    """``POST /v1/traces`` (OTLP over HTTP, protobuf) as a collector's port 4318 takes it."""

    def __init__(self) -> None:
        self.names: list[tuple[str, str]] = []  # (service.name, span name)
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/traces", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base = f"http://127.0.0.1:{port}"

    async def _receive(self, request: web.Request) -> web.Response:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        assert request.content_type == "application/x-protobuf"
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        for resource_spans in message.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.names.append((attributes.get("service.name", ""), span.name))
        return web.Response(status=200, content_type="application/x-protobuf")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_otlp_over_http_receives_the_cli_design_trace(tmp_path: Path) -> None:
    receiver = OtlpReceiver()
    await receiver.start()
    try:
        process = await asyncio.create_subprocess_exec(
            *python_command(
                "design", "A static website in Seoul", "--out", str(tmp_path / "out"), "--yes"
            ),
            env={
                **os.environ,
                "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.base,
                "OTEL_SERVICE_NAME": "my-laptop",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, stderr.decode()
    finally:
        await receiver.stop()

    assert ("my-laptop", "design") in receiver.names  # OTEL_SERVICE_NAME wins over the default
    assert {"node route", "node plan", "node validate", "check cost"} <= {
        name for _, name in receiver.names
    }


async def test_a_tracing_setting_the_process_cannot_honour_stops_it_naming_the_variable(
    tmp_path: Path,
) -> None:
    process = await asyncio.create_subprocess_exec(
        *python_command("design", "A static website in Seoul", "--out", str(tmp_path / "out")),
        env={**os.environ, "OTEL_TRACES_EXPORTER": "zipkin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert "OTEL_EXPORTER_ZIPKIN_ENDPOINT: not set" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert not (tmp_path / "out").exists()
