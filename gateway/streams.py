"""Writing to Redis: progress events out (the operator's side) and chat requests in.

``EventPublisher`` is what the operator hands the workflow: ``emit`` never blocks and never
raises, so a Redis outage can slow nothing down. Events wait in a bounded in-memory buffer and
reach the design's stream in order once Redis answers again; ``health()`` says whether they are
flowing, for the design's status.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from autcloud.events import (
    CONVERSATION_MAX_ITEMS,
    REQUESTS_KEY,
    ChatRequest,
    Event,
    TokenDelta,
    conversation_key,
    event_from_dict,
    events_key,
    slot_companion,
    to_fields,
    tokens_channel,
)

log = logging.getLogger("autcloud.gateway.streams")

DEFAULT_EVENTS_MAXLEN = 10_000
DEFAULT_REQUESTS_MAXLEN = 100_000
DEFAULT_IDEMPOTENCY_TTL_S = 24 * 3600
# What one chat request may take beside its text: namespace (63), name (253), id (128), user,
# received_at, v and the field names, with room for a long Kubernetes username.
_REQUEST_OVERHEAD_BYTES = 2048


def requests_maxlen_for(max_bytes: int, max_message_chars: int, cap: int) -> int:
    """The MAXLEN that keeps the requests stream within ``max_bytes``.

    Redis trims streams by entry count (or ID), not by bytes, so the byte budget becomes a
    count: the budget over the largest entry the gateway accepts (every character of the text
    4 bytes of UTF-8, plus the other fields). Never above ``cap``; at least 1.
    """
    largest = max_message_chars * 4 + _REQUEST_OVERHEAD_BYTES
    return max(1, min(cap, max_bytes // largest))


@dataclass(frozen=True)
class PublisherHealth:
    """Whether events reach Redis; the operator turns this into a condition."""

    connected: bool
    buffered: int
    dropped: int
    reason: str
    message: str


class EventPublisher:
    """Appends progress events to each design's stream (XADD, MAXLEN ~ bounded)."""

    def __init__(
        self,
        redis: Redis,
        *,
        maxlen: int = DEFAULT_EVENTS_MAXLEN,
        buffer_limit: int = 10_000,
        batch_size: int = 200,
        max_retry_delay_s: float = 5.0,
    ) -> None:
        self._redis = redis
        self._maxlen = maxlen
        self._batch_size = batch_size
        self._max_retry_delay_s = max_retry_delay_s
        self._buffer: deque[tuple[str, dict[str, str]]] = deque()
        self._buffer_limit = buffer_limit
        self._in_flight = 0  # the first items of the buffer, being sent right now
        self._dropped = 0
        self._connected = True
        self._last_error = ""
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = asyncio.create_task(self._flush_forever(), name="event-publisher")

    async def aclose(self, drain_timeout_s: float = 5.0) -> None:
        """Stop after trying, for at most ``drain_timeout_s``, to deliver what is buffered."""
        await self.flush(drain_timeout_s)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def emit(self, namespace: str, name: str, event: Event | Mapping[str, Any]) -> None:
        """Queue an event for the design's stream. Never blocks, never raises on Redis trouble.

        Accepts an :class:`Event` or the plain dict the agent emits (``{"type": ..., ...}``);
        a dict that does not fit the schema raises ``EventSchemaError`` at once, since that is a
        bug in the caller, not an outage. Safe to call from another thread.
        """
        parsed = event if isinstance(event, Event) else event_from_dict(event)
        if isinstance(parsed, TokenDelta):
            self.emit_token(namespace, name, parsed)
            return
        item = (events_key(namespace, name), to_fields(parsed))
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self._enqueue, item)
        else:
            self._enqueue(item)

    def emit_token(self, namespace: str, name: str, delta: TokenDelta) -> None:
        """Publish a live token delta (Pub/Sub, best effort: dropped while Redis is away)."""
        if self._loop is None:
            return
        fields = to_fields(delta)
        message = fields["data"]
        channel = tokens_channel(namespace, name)

        def schedule() -> None:
            task = asyncio.ensure_future(self._publish_token(channel, message))
            task.add_done_callback(lambda _: None)

        if threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(schedule)
        else:
            schedule()

    async def _publish_token(self, channel: str, message: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._redis.publish(channel, message)

    async def publish(self, namespace: str, name: str, event: Event | Mapping[str, Any]) -> str:
        """Append one event now and return its stream entry ID; raises when Redis is down."""
        parsed = event if isinstance(event, Event) else event_from_dict(event)
        fields: dict[Any, Any] = to_fields(parsed)
        entry_id = await self._redis.xadd(
            events_key(namespace, name), fields, maxlen=self._maxlen, approximate=True
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until every buffered event reached Redis; False if that took too long."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    def health(self) -> PublisherHealth:
        if self._connected:
            reason = "EventsDropped" if self._dropped else "EventsFlowing"
            message = (
                f"{self._dropped} progress events were dropped while Redis was unavailable."
                if self._dropped
                else "Progress events reach Redis."
            )
            return PublisherHealth(True, len(self._buffer), self._dropped, reason, message)
        return PublisherHealth(
            False,
            len(self._buffer),
            self._dropped,
            "RedisUnavailable",
            f"Redis is unavailable ({self._last_error}); {len(self._buffer)} progress events "
            "wait in memory and will be sent in order when it returns.",
        )

    def _enqueue(self, item: tuple[str, dict[str, str]]) -> None:
        if len(self._buffer) >= self._buffer_limit:
            # Full (Redis away for long): drop the oldest event not being sent, since the
            # newest state matters most to a watcher.
            self._dropped += 1
            if len(self._buffer) <= self._in_flight:
                return
            del self._buffer[self._in_flight]
        self._buffer.append(item)
        self._idle.clear()
        self._wake.set()

    async def _flush_forever(self) -> None:
        delay = 0.1
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._buffer:
                batch = [self._buffer[i] for i in range(min(self._batch_size, len(self._buffer)))]
                self._in_flight = len(batch)
                try:
                    await self._send(batch)
                except (RedisError, OSError) as exc:
                    self._in_flight = 0
                    self._connected = False
                    self._last_error = type(exc).__name__
                    log.warning(
                        "event=publish_failed error=%s buffered=%d",
                        type(exc).__name__,
                        len(self._buffer),
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._max_retry_delay_s)
                    continue
                delay = 0.1
                if not self._connected:
                    log.info("event=publish_recovered buffered=%d", len(self._buffer))
                self._connected = True
                for _ in batch:
                    self._buffer.popleft()
                self._in_flight = 0
            self._idle.set()

    async def _send(self, batch: list[tuple[str, dict[str, str]]]) -> None:
        """One MULTI/EXEC per design's stream: its events land whole or not at all.

        Per stream, not per batch: in a Redis Cluster two designs' streams may sit in
        different slots, and a transaction cannot span slots. When a later stream's
        transaction fails, the streams already written leave the buffer, so the retry
        repeats none of their events.
        """
        by_key: dict[str, list[int]] = {}
        for index, (key, _) in enumerate(batch):
            by_key.setdefault(key, []).append(index)
        written: set[int] = set()
        try:
            for key, indexes in by_key.items():
                async with self._redis.pipeline(transaction=True) as pipe:
                    for index in indexes:
                        fields: dict[Any, Any] = batch[index][1]
                        pipe.xadd(key, fields, maxlen=self._maxlen, approximate=True)
                    await pipe.execute()
                written.update(indexes)
        except (RedisError, OSError):
            if written:  # the buffer starts with this batch (the in-flight items)
                kept = [item for index, item in enumerate(batch) if index not in written]
                for _ in batch:
                    self._buffer.popleft()
                self._buffer.extendleft(reversed(kept))
            raise


# --- Chat requests in -----------------------------------------------------------------------

# Atomic "first time this idempotency key is seen → count it and append; otherwise → the
# earlier entry". The stored value is "<entry id> <sha256 of the text>" so a reused key with
# another text is told apart from a retry. The design's conversation hash (see
# autcloud.events.conversation_key) counts accepted messages; each carries its number (field
# ``seq``), which the operator reports back once handled. A message finding ``ARGV[4]``
# messages of its design accepted and not yet handled is refused (code 2, with that count):
# the operator archives full conversations, so the CRD's maxItems bounds only this backlog.
_ENQUEUE_ONCE = """
local existing = redis.call('GET', KEYS[1])
if existing then return {existing, 1} end
local accepted = tonumber(redis.call('HGET', KEYS[3], 'accepted') or '0')
local seen = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
local waiting = accepted - seen
if waiting >= tonumber(ARGV[4]) then return {tostring(waiting), 2} end
accepted = accepted + 1
redis.call('HSET', KEYS[3], 'accepted', accepted)
redis.call('EXPIRE', KEYS[3], ARGV[5])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'seq', tostring(accepted),
                      unpack(ARGV, 6))
redis.call('SET', KEYS[1], id .. ' ' .. ARGV[3], 'EX', ARGV[1])
return {id, 0}
"""
# How long a design's conversation count outlives its last message (a deleted design's count
# then goes; a design silent this long is counted afresh by the operator's next report).
CONVERSATION_COUNT_TTL_S = 90 * 24 * 3600


class IdempotencyConflictError(Exception):
    """The idempotency key was already used for a different message."""


class BacklogFullError(Exception):
    """``max_waiting`` messages of the design wait for the operator already."""

    def __init__(self, waiting: int, max_waiting: int) -> None:
        super().__init__(f"{waiting} messages waiting, at most {max_waiting}")
        self.waiting = waiting
        self.max_waiting = max_waiting


@dataclass(frozen=True)
class Enqueued:
    entry_id: str
    duplicate: bool


def idempotency_key(request: ChatRequest, stream: str = REQUESTS_KEY) -> str:
    """In the requests stream's cluster slot: the enqueue script writes both at once."""
    return slot_companion(stream, f"idempotency:{request.namespace}:{request.name}:{request.id}")


async def enqueue_request(
    redis: Redis,
    request: ChatRequest,
    *,
    stream: str = REQUESTS_KEY,
    maxlen: int = DEFAULT_REQUESTS_MAXLEN,
    ttl_s: int = DEFAULT_IDEMPOTENCY_TTL_S,
    max_waiting: int = CONVERSATION_MAX_ITEMS,
) -> Enqueued:
    """Append a chat request once per idempotency key (per design), for ``ttl_s`` seconds.

    Raises :class:`BacklogFullError` when ``max_waiting`` messages of the design were accepted
    and not yet handled by the operator; a retry of a message accepted earlier is still
    answered as a duplicate.
    """
    digest = hashlib.sha256(request.text.encode()).hexdigest()
    flat: list[str] = []
    for key, value in request.to_fields().items():
        if key != "seq":  # the script numbers the message
            flat += [key, value]
    raw = await redis.eval(  # type: ignore[misc]
        _ENQUEUE_ONCE,
        3,
        idempotency_key(request, stream),
        stream,
        conversation_key(request.namespace, request.name),
        str(ttl_s),
        str(maxlen),
        digest,
        str(max_waiting),
        str(CONVERSATION_COUNT_TTL_S),
        *flat,
    )
    value = raw[0].decode() if isinstance(raw[0], bytes) else str(raw[0])
    if int(raw[1]) == 0:
        return Enqueued(value, duplicate=False)
    if int(raw[1]) == 2:
        raise BacklogFullError(int(value), max_waiting)
    entry_id, _, earlier_digest = value.partition(" ")
    if earlier_digest != digest:
        raise IdempotencyConflictError(request.id)
    return Enqueued(entry_id, duplicate=True)
