"""Chat in, wired into the operator: messages from the gateway become conversation entries.

With ``--redis-url`` the operator runs :class:`~autcloud.operator.chat_inbox.ChatInbox` as a
background task (started and stopped by kopf's startup and cleanup handlers). Its ``apply``
appends ``{type: change, text, id}`` to the InfraDesign's ``spec.conversation`` with a JSON
patch guarded by ``resourceVersion``, unless an entry with that id is already there — so a
message delivered twice is applied once. The spec change then starts a reconcile as any
``kubectl patch`` would. Redis being down never stops the operator: the inbox retries with
backoff, the outage is logged and counted (``autcloud_redis_errors_total{operation="inbox"}``).

Each operator deployment reads through its own consumer group (``--chat-group``, default
``autcloud-operator``): deployments sharing a Redis then each see every message, and each
applies those of its own namespaces. Sharing one group would let one deployment acknowledge
(and skip) a message meant for another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from autcloud.accounts import MetricsRegistry
from autcloud.events import ChatRequest
from autcloud.operator.chat_inbox import (
    ApplyOutcome,
    ChatInbox,
    InboxSettings,
    PermanentApplyError,
)
from autcloud.operator.kube import KubeApiError, KubeClient
from autcloud.operator.settings import GROUP, PLURAL, VERSION, OperatorSettings

log = logging.getLogger("autcloud.operator.chat")

CONFLICT_ATTEMPTS = 5  # another writer changed the design between our read and our patch
HEALTH_POLL_S = 2.0


class DesignConversationClient(KubeClient):
    """Reads an InfraDesign and appends to its conversation (the operator's own connection)."""

    @classmethod
    def like(cls, client: KubeClient) -> DesignConversationClient:
        return cls(client._info)  # same login as kopf's; KubeClient keeps it protected

    def _design_url(self, namespace: str, name: str) -> str:
        return f"{self._server}/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}/{name}"

    async def get_design(self, namespace: str, name: str) -> dict[str, Any] | None:
        async with self._http().get(self._design_url(namespace, name)) as response:
            if response.status == 404:
                return None
            if response.status >= 400:
                raise KubeApiError(f"reading {namespace}/{name}: HTTP {response.status}")
            body: dict[str, Any] = await response.json()
            return body

    async def json_patch(
        self, namespace: str, name: str, operations: list[dict[str, Any]]
    ) -> tuple[int, str]:
        """The HTTP status and, on an error, the API's message (no values of ours in it)."""
        headers = {"Content-Type": "application/json-patch+json"}
        url = self._design_url(namespace, name)
        async with self._http().patch(url, data=json.dumps(operations), headers=headers) as reply:
            if reply.status < 400:
                return reply.status, ""
            try:
                message = str((await reply.json()).get("message", ""))
            except (ValueError, AttributeError):
                message = ""
            return reply.status, message[:300]


class ConversationAppender:
    """``apply`` for the inbox: idempotent by message id, safe against concurrent writers."""

    def __init__(
        self,
        settings: OperatorSettings,
        kube: Callable[[], KubeClient | None],
        metrics: MetricsRegistry,
    ) -> None:
        self._settings = settings
        self._kube = kube
        self._metrics = metrics
        self._client: DesignConversationClient | None = None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def __call__(self, request: ChatRequest) -> ApplyOutcome:
        if self._settings.namespaces and request.namespace not in self._settings.namespaces:
            return ApplyOutcome.NOT_MINE
        client = self._connection()
        design_ref = f"{request.namespace}/{request.name}"
        entry = {"type": "change", "text": request.text, "id": request.id}
        for _ in range(CONFLICT_ATTEMPTS):
            design = await client.get_design(request.namespace, request.name)
            if design is None:
                raise PermanentApplyError(f"InfraDesign {design_ref} does not exist")
            conversation = (design.get("spec") or {}).get("conversation")
            if any(turn.get("id") == request.id for turn in conversation or ()):
                return ApplyOutcome.ALREADY_APPLIED
            version = (design.get("metadata") or {}).get("resourceVersion")
            operations: list[dict[str, Any]] = [
                {"op": "test", "path": "/metadata/resourceVersion", "value": version}
            ]
            if conversation is None:
                operations.append({"op": "add", "path": "/spec/conversation", "value": [entry]})
            else:
                operations.append({"op": "add", "path": "/spec/conversation/-", "value": entry})
            code, message = await client.json_patch(request.namespace, request.name, operations)
            if code < 400:
                return ApplyOutcome.APPLIED
            self._metrics.kubernetes_api_errors.labels("patch", str(code)).inc()
            if code not in (409, 422):
                raise KubeApiError(f"patching {design_ref}: HTTP {code}")  # the inbox retries
            if not await self._moved(client, request, version):
                # Same version, still refused: the entry itself is invalid (schema, CEL rule).
                raise PermanentApplyError(
                    f"InfraDesign {design_ref} refused the message: {message}"
                )
        raise KubeApiError(f"{design_ref} kept changing while the message was being appended")

    async def _moved(
        self, client: DesignConversationClient, request: ChatRequest, version: object
    ) -> bool:
        latest = await client.get_design(request.namespace, request.name)
        return latest is None or (latest.get("metadata") or {}).get("resourceVersion") != version

    def _connection(self) -> DesignConversationClient:
        if self._client is None:
            kube = self._kube()
            if kube is None:
                raise KubeApiError("not logged in to Kubernetes yet")  # the inbox retries
            self._client = DesignConversationClient.like(kube)
        return self._client


def inbox_settings_for(settings: OperatorSettings) -> InboxSettings:
    """The inbox of this deployment (its consumer group) and of this instance (its pod name)."""
    return InboxSettings(group=settings.chat_group, consumer=settings.pod_name)


class ChatService:
    """The inbox as a background task of the operator, plus its health in logs and metrics."""

    def __init__(
        self,
        redis_url: str,
        settings: OperatorSettings,
        kube: Callable[[], KubeClient | None],
        metrics: MetricsRegistry,
        inbox_settings: InboxSettings | None = None,
    ) -> None:
        self._redis = Redis.from_url(redis_url)
        self._metrics = metrics
        self.appender = ConversationAppender(settings, kube, metrics)
        self.inbox = ChatInbox(
            self._redis, self.appender, inbox_settings or inbox_settings_for(settings)
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.inbox.run(), name="chat-inbox"),
            asyncio.create_task(self._watch_health(), name="chat-inbox-health"),
        ]
        log.info(
            "event=chat_inbox_started group=%s consumer=%s",
            self.inbox.settings.group,
            self.inbox.settings.consumer,
        )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.inbox.release()
        await self.appender.aclose()
        await self._redis.aclose()

    async def _watch_health(self) -> None:
        """Count each Redis outage once, and say in the log when chat works again."""
        connected = True
        while True:
            await asyncio.sleep(HEALTH_POLL_S)
            health = self.inbox.health()
            if connected and not health.connected:
                self._metrics.redis_errors.labels("inbox").inc()
                log.warning(
                    "event=chat_inbox_down reason=%s message=%s", health.reason, health.message
                )
            elif not connected and health.connected:
                log.info("event=chat_inbox_up reason=%s", health.reason)
            connected = health.connected
