"""A client of the gateway, for ``autcloud watch`` and ``autcloud say`` (and tests)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True)
class SseEvent:
    id: str | None
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data) if self.data else None


class GatewayError(Exception):
    """The gateway refused (4xx) or could not be reached; ``status`` is 0 for the latter."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def read_sse(response: aiohttp.ClientResponse) -> AsyncIterator[SseEvent]:
    """Parse a ``text/event-stream`` body (comments are skipped)."""
    ident: str | None = None
    event = "message"
    data: list[str] = []
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data or ident is not None:
                yield SseEvent(ident, event, "\n".join(data))
            ident, event, data = None, "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            ident = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)


def _design_path(ref: str) -> str:
    namespace, sep, name = ref.partition("/")
    if not sep or not namespace or not name:
        raise ValueError(f"{ref!r} must be NAMESPACE/NAME, e.g. default/shop")
    return f"/v1/namespaces/{namespace}/infradesigns/{name}"


async def _error_of(response: aiohttp.ClientResponse) -> GatewayError:
    try:
        body = await response.json(content_type=None)
        message = body.get("message") if isinstance(body, dict) else None
    except (aiohttp.ContentTypeError, json.JSONDecodeError, ValueError):
        message = None
    return GatewayError(response.status, message or f"the gateway answered {response.status}")


def _retry_after(response: aiohttp.ClientResponse, cap_s: float) -> float:
    """The wait a 429 asks for (``Retry-After`` in seconds), at most ``cap_s``."""
    try:
        return min(cap_s, max(0.1, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


class GatewayClient:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def send_message(
        self, ref: str, text: str, message_id: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, str] = {"text": text}
        if message_id:
            body["id"] = message_id
        url = f"{self._base}{_design_path(ref)}/messages"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                for attempt in range(4):  # a 429 (rate limited) is retried after Retry-After
                    async with session.post(url, json=body, headers=self._headers) as response:
                        if response.status == 429 and attempt < 3:
                            await asyncio.sleep(_retry_after(response, 10.0))
                            continue
                        if response.status != 202:
                            raise await _error_of(response)
                        answer: dict[str, Any] = await response.json()
                        return answer
                raise AssertionError("unreachable: the last attempt returns or raises")
        except aiohttp.ClientError as exc:
            raise GatewayError(0, f"cannot reach the gateway at {self._base} ({exc})") from exc

    async def follow(
        self,
        ref: str,
        *,
        until_done: bool = True,
        last_event_id: str | None = None,
        give_up_after_s: float = 60.0,
    ) -> AsyncIterator[SseEvent]:
        """Every event of the design, reconnecting with ``Last-Event-ID`` when cut off.

        Gives up (``GatewayError``) after ``give_up_after_s`` without a successful connection;
        a 4xx answer is final at once.
        """
        url = f"{self._base}{_design_path(ref)}/events"
        params = {"until": "done"} if until_done else {}
        failing_since: float | None = None
        delay = 0.2
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                headers = dict(self._headers)
                if last_event_id:
                    headers["Last-Event-ID"] = last_event_id
                try:
                    async with session.get(url, params=params, headers=headers) as response:
                        if response.status == 429:  # rate limited: not final, wait as told
                            delay = _retry_after(response, 30.0)
                        elif 400 <= response.status < 500:
                            raise await _error_of(response)
                        if response.status == 200:
                            failing_since, delay = None, 0.2
                            async for event in read_sse(response):
                                if event.id:
                                    last_event_id = event.id
                                yield event
                                if until_done and event.event == "done":
                                    return
                except aiohttp.ClientError:
                    pass
                now = time.monotonic()
                failing_since = failing_since or now
                if now - failing_since > give_up_after_s:
                    raise GatewayError(0, f"cannot reach the gateway at {self._base}")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
