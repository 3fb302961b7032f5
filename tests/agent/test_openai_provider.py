"""The OpenAI-compatible provider, against a fake chat-completions server on 127.0.0.1.

No model server can run here (no hosted model is reachable, and a local one takes minutes to
build), so a small aiohttp app stands in for one: it speaks the same HTTP API
(``POST /v1/chat/completions``) and answers as each test scripts it. Everything else is real:
the HTTP client, the answer checks, the design workflow and its validation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from autcloud.agent.catalog.base import ResourceSpec, interp
from autcloud.agent.design import DesignStatus, run_design
from autcloud.agent.providers.openai_compatible import OpenAICompatibleProvider
from autcloud.agent.requirements import Requirements
from autcloud.agent.validation.report import StepStatus

pytestmark = pytest.mark.asyncio

API_KEY = "sk-test-very-secret-key-0123456789"
MODEL = "tiny-test-model"
MARK = "# reviewed by the model"

# (status, body) the fake server sends for one request; the request's JSON comes in.
Script = Callable[[dict[str, Any]], tuple[int, Any]]


@dataclass
class FakeModelServer:
    script: Script
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("Authorization", ""))
        status, answer = self.script(body)
        if isinstance(answer, str):
            answer = {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]
            }
        return web.json_response(answer, status=status)


@asynccontextmanager
async def model_server(script: Script) -> AsyncIterator[FakeModelServer]:
    server = FakeModelServer(script)
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield server
    finally:
        await runner.cleanup()


def provider(url: str, **options: Any) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        model=MODEL, base_url=url, api_key=API_KEY, backoff_seconds=0.01, **options
    )


def reference_of(request: dict[str, Any]) -> str:
    """The reference block the provider sent (between its fixed markers)."""
    user = request["messages"][-1]["content"]
    match = re.search(r"Reference block:\n(.*)\nReturn only", user, re.DOTALL)
    assert match, user
    return match.group(1)


def reviewed(request: dict[str, Any]) -> tuple[int, str]:
    """A model that returns the reference with a visible mark of its own."""
    header, _, rest = reference_of(request).partition("\n")
    return 200, f"{header}\n  {MARK}\n{rest}"


def bucket() -> ResourceSpec:
    return ResourceSpec(
        type="aws_s3_bucket",
        name="logs",
        topic="storage",
        reason="Access logs",
        body={"bucket": interp("${local.name}-logs"), "tags": {"Name": interp("${local.name}")}},
    )


# --- answers ------------------------------------------------------------------------------------


async def test_a_valid_improved_block_is_used() -> None:
    def improve(request: dict[str, Any]) -> tuple[int, str]:
        block = reference_of(request).rstrip().removesuffix("}")
        return 200, f"{block}  force_destroy = false\n}}"

    async with model_server(improve) as server:
        model = provider(server.url)
        text = await model.generate(bucket(), Requirements())

    assert "force_destroy = false" in text
    assert model.accepted == ["aws_s3_bucket.logs"]
    assert model.fallbacks == []


async def test_a_block_in_markdown_fences_is_used() -> None:
    async with model_server(lambda r: (200, f"```hcl\n{reviewed(r)[1]}\n```")) as server:
        text = await provider(server.url).generate(bucket(), Requirements())

    assert MARK in text
    assert "```" not in text


async def test_the_request_names_the_model_and_carries_the_reference_block() -> None:
    async with model_server(reviewed) as server:
        await provider(server.url).generate(bucket(), Requirements())

    assert server.requests[0]["model"] == MODEL
    assert 'resource "aws_s3_bucket" "logs"' in reference_of(server.requests[0])
    assert server.authorizations == [f"Bearer {API_KEY}"]


async def test_garbage_falls_back_to_the_catalog_block_and_says_why() -> None:
    async with model_server(lambda _: (200, "Sure! Here is your bucket :)")) as server:
        model = provider(server.url)
        text = await model.generate(bucket(), Requirements())

    assert text == bucket().to_block().render()
    assert [(f.address, f.reason) for f in model.fallbacks] == [
        ("aws_s3_bucket.logs", "RejectedAnswer")
    ]


async def test_a_block_with_another_address_is_rejected() -> None:
    answer = 'resource "aws_s3_bucket" "other" {\n  bucket = "x"\n}'
    async with model_server(lambda _: (200, answer)) as server:
        model = provider(server.url)
        text = await model.generate(bucket(), Requirements())

    assert text == bucket().to_block().render()
    assert "aws_s3_bucket.other" in model.fallbacks[0].message


async def test_a_second_block_is_rejected() -> None:
    def two_blocks(request: dict[str, Any]) -> tuple[int, str]:
        return 200, reference_of(request) + '\n\nresource "aws_sqs_queue" "extra" {}\n'

    async with model_server(two_blocks) as server:
        model = provider(server.url)
        await model.generate(bucket(), Requirements())

    assert model.fallbacks[0].reason == "RejectedAnswer"


async def test_a_reference_the_design_does_not_give_is_rejected() -> None:
    def new_reference(request: dict[str, Any]) -> tuple[int, str]:
        block = reference_of(request).rstrip().removesuffix("}")
        return 200, f"{block}  policy = aws_iam_policy.invented.arn\n}}"

    async with model_server(new_reference) as server:
        model = provider(server.url)
        text = await model.generate(bucket(), Requirements())

    assert "invented" not in text
    assert "aws_iam_policy.invented" in model.fallbacks[0].message


async def test_a_variable_the_design_does_not_declare_is_rejected() -> None:
    def new_variable(request: dict[str, Any]) -> tuple[int, str]:
        block = reference_of(request).rstrip().removesuffix("}")
        return 200, f"{block}  object_lock_enabled = var.lock_everything\n}}"

    async with model_server(new_variable) as server:
        model = provider(server.url)
        await model.generate(bucket(), Requirements())

    assert "var.lock_everything" in model.fallbacks[0].message


# --- HTTP failures ------------------------------------------------------------------------------


async def test_429_is_retried_and_the_later_answer_used() -> None:
    answers = iter([(429, {"error": {"message": "slow down"}})])

    def limited(request: dict[str, Any]) -> tuple[int, Any]:
        return next(answers, None) or reviewed(request)

    async with model_server(limited) as server:
        model = provider(server.url)
        text = await model.generate(bucket(), Requirements())

    assert len(server.requests) == 2
    assert MARK in text
    assert model.fallbacks == []


async def test_a_server_error_that_persists_falls_back_after_the_retries() -> None:
    async with model_server(lambda _: (503, {"error": {"message": "overloaded"}})) as server:
        model = provider(server.url, max_retries=2)
        text = await model.generate(bucket(), Requirements())

    assert len(server.requests) == 3
    assert text == bucket().to_block().render()
    assert model.fallbacks[0].reason == "HTTPError"
    assert "503" in model.fallbacks[0].message


async def test_401_falls_back_without_the_key_in_any_message_or_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refusal = {"error": {"message": f"Incorrect API key provided: {API_KEY}"}}
    caplog.set_level(logging.DEBUG)
    async with model_server(lambda _: (401, refusal)) as server:
        model = provider(server.url)
        text = await model.generate(bucket(), Requirements())

    assert text == bucket().to_block().render()
    assert model.fallbacks[0].reason == "AuthFailed"
    assert "API key" in model.fallbacks[0].message
    assert API_KEY not in repr(model) + str(model.report()) + caplog.text


async def test_after_a_401_the_server_is_not_asked_again() -> None:
    async with model_server(lambda _: (401, {"error": {"message": "no"}})) as server:
        model = provider(server.url)
        await model.generate(bucket(), Requirements())
        await model.generate(bucket(), Requirements())

    assert len(server.requests) == 1
    assert [f.reason for f in model.fallbacks] == ["AuthFailed", "AuthFailed"]


async def test_an_unreachable_server_falls_back() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = provider(f"http://127.0.0.1:{port}/v1", max_retries=1)
    text = await model.generate(bucket(), Requirements())

    assert text == bucket().to_block().render()
    assert model.fallbacks[0].reason == "Unreachable"


async def test_credentials_in_the_base_url_never_reach_the_report() -> None:
    model = OpenAICompatibleProvider(model=MODEL, base_url="https://user:pw@llm.internal:8443/v1")

    assert model.report()["base_url"] == "https://llm.internal:8443/v1"


async def test_a_base_url_that_is_not_http_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="base_url"):
        OpenAICompatibleProvider(model=MODEL, base_url="llm.internal:8000")


# --- end to end ---------------------------------------------------------------------------------

REQUEST = "A containerised web API with PostgreSQL in Seoul"


async def test_a_design_through_the_model_passes_every_quick_validation_step() -> None:
    async with model_server(reviewed) as server:
        model = provider(server.url)
        result = await run_design(REQUEST, assume_defaults=True, provider=model)

    assert result.status is DesignStatus.DESIGNED
    steps = result.document["validation"]["steps"]
    assert {step["status"] for step in steps} == {StepStatus.PASSED.value}
    assert result.document["provider"] == "openai"
    assert result.document["provider_notes"]["fallbacks"] == []
    assert len(result.document["provider_notes"]["accepted"]) == len(result.document["resources"])
    assert MARK in "".join(result.files.values())


async def test_a_design_stays_valid_when_every_answer_is_garbage() -> None:
    async with model_server(lambda _: (200, "I cannot help with that.")) as server:
        result = await run_design(REQUEST, assume_defaults=True, provider=provider(server.url))

    assert result.status is DesignStatus.DESIGNED
    notes = result.document["provider_notes"]
    assert notes["accepted"] == []
    assert len(notes["fallbacks"]) == len(result.document["resources"])


# --- the CLI ------------------------------------------------------------------------------------


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    return {**env, **extra}


def design_cli(
    tmp_path: Path, *options: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autcloud", "design", REQUEST, "--out", str(tmp_path), *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


async def test_the_cli_openai_provider_without_a_model_exits_2_naming_the_flag(
    tmp_path: Path,
) -> None:
    done = design_cli(tmp_path, "--provider", "openai", env=cli_env(OPENAI_API_KEY=API_KEY))

    assert done.returncode == 2
    assert "--model" in done.stderr


async def test_the_cli_openai_provider_without_a_key_exits_2_naming_the_variable(
    tmp_path: Path,
) -> None:
    done = design_cli(tmp_path, "--provider", "openai", "--model", MODEL, env=cli_env())

    assert done.returncode == 2
    assert "OPENAI_API_KEY" in done.stderr


async def test_the_cli_designs_through_an_openai_compatible_server(tmp_path: Path) -> None:
    async with model_server(reviewed) as server:
        child = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "autcloud", "design", REQUEST, "--out", str(tmp_path)],
            *["--yes", "--provider", "openai", "--model", MODEL, "--base-url", server.url],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=cli_env(OPENAI_API_KEY=API_KEY),
        )
        stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=120)
    document = json.loads((tmp_path / "design.json").read_text(encoding="utf-8"))

    assert child.returncode == 0, stderr.decode()
    assert document["provider"] == "openai"
    assert document["provider_notes"]["model"] == MODEL
    assert server.authorizations[0] == f"Bearer {API_KEY}"
    assert API_KEY not in stdout.decode() + stderr.decode() + json.dumps(document)
