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

A message that cannot be applied is never silent: besides the dead-letter stream, the inbox
appends an ``error`` event to the design's stream and this module sets the design's
``ChatApplied`` condition to False with the reason (``MessageRejected``: the API server refused
the entry; ``ApplyFailed``: retries ran out). The next message applied sets it back to True.
After each message it also reports to Redis which message it handled (``conversation_key``),
from which the gateway counts the messages still waiting.

A conversation never fills up: a message finding ``ARCHIVE_AT`` (20) entries or more moves
them to an archive chunk of the design and starts the list again (``conversation_archive``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from opentelemetry.trace import SpanKind
from redis.asyncio import Redis
from redis.exceptions import RedisError

from autcloud.accounts import MetricsRegistry
from autcloud.events import ChatRequest, conversation_key, now_timestamp
from autcloud.gateway.redis_url import redis_from_url
from autcloud.operator.chat_inbox import (
    ApplyOutcome,
    ChatInbox,
    InboxSettings,
    PermanentApplyError,
)
from autcloud.operator.conditions import Condition, find, merge_conditions
from autcloud.operator.conversation_archive import (
    ARCHIVE_ANNOTATION,
    ARCHIVE_AT,
    archived_chunks,
    read_chunk,
    write_chunk,
)
from autcloud.operator.kube import KubeApiError, KubeClient
from autcloud.operator.settings import GROUP, PLURAL, VERSION, OperatorSettings
from autcloud.tracing import context_from, tracer

log = logging.getLogger("autcloud.operator.chat")

CONFLICT_ATTEMPTS = 5  # another writer changed the design between our read and our patch
HEALTH_POLL_S = 2.0
CHAT_CONDITION = "ChatApplied"
# Archive chunks whose message ids are kept in memory (about 20 ids each; least recently used go).
ARCHIVE_CACHE_CHUNKS = 2048

# "The conversation had ``size`` entries once message ``seq`` was handled", kept only when no
# later message has reported yet (a redelivery after a failover must not move it back).
_REPORT_SIZE = """
local seen = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if tonumber(ARGV[1]) < seen then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'size', ARGV[2])
local accepted = tonumber(redis.call('HGET', KEYS[1], 'accepted') or '0')
if accepted < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'accepted', ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
CONVERSATION_COUNT_TTL_S = 90 * 24 * 3600  # as the gateway's


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
        redis: Redis | None = None,
    ) -> None:
        self._settings = settings
        self._kube = kube
        self._metrics = metrics
        self._redis = redis  # where the conversation's length is reported for the gateway
        self._client: DesignConversationClient | None = None
        # Archive chunks never change once written, so their ids are kept, the most recently used
        # first, up to a bound: a long-lived operator sees designs come and go.
        self._archive_ids: OrderedDict[tuple[str, int], frozenset[str]] = OrderedDict()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def __call__(self, request: ChatRequest) -> ApplyOutcome:
        # A child of the gateway request that accepted the message (its traceparent).
        with tracer().start_as_current_span(
            "apply chat message",
            context=context_from(request.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "k8s.namespace.name": request.namespace,
                "autcloud.design": request.name,
                "autcloud.message_id": request.id,
            },
        ) as span:
            outcome = await self._append(request)
            span.set_attribute("autcloud.chat.outcome", str(outcome.value))
            return outcome

    async def _append(self, request: ChatRequest) -> ApplyOutcome:
        if self._settings.namespaces and request.namespace not in self._settings.namespaces:
            return ApplyOutcome.NOT_MINE
        client = self._connection()
        design_ref = f"{request.namespace}/{request.name}"
        entry = {"type": "change", "text": request.text, "id": request.id}
        for _ in range(CONFLICT_ATTEMPTS):
            design = await client.get_design(request.namespace, request.name)
            if design is None:
                await self._report_size(request, 0)
                raise PermanentApplyError(
                    f"InfraDesign {design_ref} does not exist", reason="DesignNotFound"
                )
            if not self._settings.handles((design.get("metadata") or {}).get("labels")):
                return ApplyOutcome.NOT_MINE  # another shard's (--selector) operator applies it
            conversation = (design.get("spec") or {}).get("conversation")
            size = len(conversation or ())
            meta = design.get("metadata") or {}
            if any(turn.get("id") == request.id for turn in conversation or ()) or (
                request.id in await self._archived_ids(client, request.namespace, meta)
            ):
                await self._report_size(request, size)
                return ApplyOutcome.ALREADY_APPLIED
            if await self._clear_rejection(client, request, design):
                continue  # the status write moved resourceVersion: read the design again
            version = meta.get("resourceVersion")
            operations: list[dict[str, Any]] = [
                {"op": "test", "path": "/metadata/resourceVersion", "value": version}
            ]
            if conversation is None:
                operations.append({"op": "add", "path": "/spec/conversation", "value": [entry]})
            elif size >= ARCHIVE_AT:
                # The entries move to an archive chunk and the message starts the list again
                # (conversation_archive.py), in the same guarded patch.
                chunks = archived_chunks(meta)
                await write_chunk(client, design, chunks, list(conversation))
                operations += [
                    {"op": "replace", "path": "/spec/conversation", "value": [entry]},
                    _annotation(meta, ARCHIVE_ANNOTATION, str(chunks + 1)),
                ]
                size = 0
            else:
                operations.append({"op": "add", "path": "/spec/conversation/-", "value": entry})
            code, message = await client.json_patch(request.namespace, request.name, operations)
            if code < 400:
                await self._report_size(request, size + 1)
                return ApplyOutcome.APPLIED
            self._metrics.kubernetes_api_errors.labels("patch", str(code)).inc()
            if code not in (409, 422):
                raise KubeApiError(f"patching {design_ref}: HTTP {code}")  # the inbox retries
            if not await self._moved(client, request, version):
                # Same version, still refused: the entry itself is invalid (schema, CEL rule).
                await self._report_size(request, size)
                raise PermanentApplyError(
                    f"InfraDesign {design_ref} refused the message: {message}"
                )
        raise KubeApiError(f"{design_ref} kept changing while the message was being appended")

    async def _archived_ids(
        self, client: KubeClient, namespace: str, meta: dict[str, Any]
    ) -> set[str]:
        """Message ids in the design's archive chunks (immutable once written: cached)."""
        ids: set[str] = set()
        uid = str(meta.get("uid"))
        for index in range(archived_chunks(meta)):
            key = (uid, index)
            if key in self._archive_ids:
                self._archive_ids.move_to_end(key)
            else:
                chunk = await read_chunk(client, namespace, uid, index)
                self._archive_ids[key] = frozenset(
                    str(turn.get("id")) for turn in chunk if "id" in turn
                )
                if len(self._archive_ids) > ARCHIVE_CACHE_CHUNKS:
                    self._archive_ids.popitem(last=False)
            ids |= self._archive_ids[key]
        return ids

    async def report_rejection(self, request: ChatRequest, reason: str, message: str) -> None:
        """``ChatApplied=False`` on the design, with the reason (the inbox's dead-letter hook)."""
        if reason == "DesignNotFound":
            return  # no object to put a condition on; the error event says it
        client = self._connection()
        design = await client.get_design(request.namespace, request.name)
        if design is None:
            return
        await self._set_condition(
            client, request, design, Condition(CHAT_CONDITION, "False", reason, message)
        )

    async def _clear_rejection(
        self, client: DesignConversationClient, request: ChatRequest, design: dict[str, Any]
    ) -> bool:
        """An earlier ``ChatApplied=False`` goes back to True before the next message is appended.

        Before, not after: the append starts a reconcile, which writes the conditions it read
        when it began; written first, the True is what it reads. True when it wrote.
        """
        status = design.get("status") or {}
        earlier = find(status.get("conditions"), CHAT_CONDITION)
        if earlier is None or earlier.get("status") == "True":
            return False
        applied = Condition(
            CHAT_CONDITION,
            "True",
            "MessageApplied",
            f"Chat messages apply again (message {request.id!r}); the earlier refusal is in "
            "the design's error events and the dead-letter stream.",
        )
        try:
            await self._set_condition(client, request, design, applied)
        except KubeApiError as exc:  # the message matters more than the report
            log.warning("event=chat_condition_failed design=%s/%s error=%s", *_ref(request), exc)
            return False
        return True

    async def _set_condition(
        self,
        client: DesignConversationClient,
        request: ChatRequest,
        design: dict[str, Any],
        condition: Condition,
    ) -> None:
        metadata = design.get("metadata") or {}
        conditions = merge_conditions(
            (design.get("status") or {}).get("conditions"),
            [condition],
            generation=int(metadata.get("generation") or 1),
            now=now_timestamp().split(".")[0] + "Z",
        )
        await client.patch_design_status(
            request.namespace, request.name, {"conditions": conditions}
        )

    async def _report_size(self, request: ChatRequest, size: int) -> None:
        """Tell the gateway's count how long the conversation is after message ``seq``."""
        if self._redis is None or request.seq <= 0:
            return
        try:
            await self._redis.eval(  # type: ignore[misc]
                _REPORT_SIZE,
                1,
                conversation_key(request.namespace, request.name),
                str(request.seq),
                str(size),
                str(CONVERSATION_COUNT_TTL_S),
            )
        except (RedisError, OSError) as exc:  # the count is a forecast; the API server rules
            log.warning(
                "event=chat_size_report_failed design=%s/%s error=%s",
                *_ref(request),
                type(exc).__name__,
            )

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


def _annotation(meta: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    """A JSON-patch operation setting one annotation (the map is created when missing)."""
    if meta.get("annotations") is None:
        return {"op": "add", "path": "/metadata/annotations", "value": {key: value}}
    return {"op": "add", "path": "/metadata/annotations/" + key.replace("/", "~1"), "value": value}


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
        self._redis = redis_from_url(redis_url)
        self._metrics = metrics
        self.appender = ConversationAppender(settings, kube, metrics, self._redis)
        self.inbox = ChatInbox(
            self._redis,
            self.appender,
            inbox_settings or inbox_settings_for(settings),
            on_dead_letter=self.appender.report_rejection,
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

    async def forget(self, namespace: str, name: str) -> None:
        """Drop a deleted design's conversation count (see ``conversation_key``).

        A design deleted and created again under the same name starts with an empty
        conversation; a count kept from the old one would make the gateway refuse its messages
        early. Best effort: Redis being away only logs (the count then expires with its TTL).
        """
        try:
            await self._redis.delete(conversation_key(namespace, name))
        except (RedisError, OSError) as exc:
            log.warning(
                "event=chat_count_not_dropped design=%s/%s error=%s",
                namespace,
                name,
                type(exc).__name__,
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


def _ref(request: ChatRequest) -> tuple[str, str]:
    return request.namespace, request.name
