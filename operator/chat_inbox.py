"""Chat in: apply the messages of the requests stream to their InfraDesigns, once each, in order.

Plain domain code (no kopf): the operator gives ``ChatInbox`` a Redis client and an ``apply``
callback that appends a message to its design's conversation, and runs ``inbox.run()`` as a
background task; ``inbox.health()`` feeds a condition.

The guarantees and how they are kept
    *Exactly once in effect.* Redis Streams deliver at least once; the effect is made exactly
    once by the target: ``apply`` must be idempotent by ``ChatRequest.id`` (the conversation in
    the InfraDesign's spec records each message's id, and a message already there is answered
    with ``ALREADY_APPLIED``). An entry is acknowledged (XACK) only after ``apply`` returned, so
    a crash between the patch and the ack leads to a redelivery that changes nothing.

    *In order per design.* All consumers of the group (one per operator instance) share one
    stream; two of them reading at once could apply a design's second message before its first.
    So one consumer at a time leads: it holds a lease (``SET PX``, renewed) and reads; the others
    stand by. The leader applies the messages of different designs concurrently and those of one
    design one after another. A new leader first takes over (XAUTOCLAIM, after ``claim_idle_ms``)
    what the previous one had read but not acknowledged, and applies those before reading new
    entries, so a failover keeps the order too. If the lease cannot be renewed the work stops at
    once (fencing) and another instance goes on.

    *Failures.* A failing ``apply`` is retried with backoff; the attempts are counted in Redis
    (before each try, so a message that crashes its consumer counts too). After
    ``max_attempts`` it moves to the dead-letter stream with the last reason and is
    acknowledged (one transaction); ``PermanentApplyError`` moves it there at once. A dead
    letter is never silent: just before it, an ``error`` event (``reason``, ``message``,
    ``message_id``) goes to the design's event stream, where the sender's ``autcloud watch`` or
    browser sees it, and ``on_dead_letter`` (the operator: a condition on the design) is told.
    (Not in the same transaction: in a Redis Cluster the design's stream is in another slot.)

    *Redis outages.* ``run`` never returns on a Redis error: it reports (``health()``) and
    retries with backoff, so the operator keeps reconciling designs meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from autcloud.events import (
    DEAD_LETTER_KEY,
    REQUESTS_KEY,
    ChatRequest,
    Error,
    EventSchemaError,
    events_key,
    now_timestamp,
    slot_companion,
    to_fields,
)

log = logging.getLogger("autcloud.operator.chat_inbox")


class ApplyOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"  # the conversation already holds this message id
    NOT_MINE = "not_mine"  # a design this operator deployment does not manage


class PermanentApplyError(Exception):
    """The message can never be applied (say, its design does not exist): dead-letter it now.

    ``reason`` is a CamelCase word for the ``error`` event and the design's condition.
    """

    def __init__(self, message: str, reason: str = "MessageRejected") -> None:
        super().__init__(message)
        self.reason = reason


ApplyMessage = Callable[[ChatRequest], Awaitable[ApplyOutcome]]
# Told of each dead-lettered message: the request, a CamelCase reason and a sentence.
DeadLetterHook = Callable[[ChatRequest, str, str], Awaitable[None]]


@dataclass(frozen=True)
class InboxSettings:
    group: str = "autcloud-operator"  # one per operator deployment
    consumer: str = field(default_factory=socket.gethostname)  # one per instance (pod name)
    stream: str = REQUESTS_KEY
    dead_letter_stream: str = DEAD_LETTER_KEY
    dead_letter_maxlen: int = 10_000
    events_maxlen: int = 10_000  # MAXLEN ~ of a design's event stream (the publisher's too)
    max_attempts: int = 5
    claim_idle_ms: int = 30_000
    lease_ttl_ms: int = 15_000
    block_ms: int = 2_000
    batch: int = 100
    retry_delay_s: float = 0.5
    max_retry_delay_s: float = 30.0

    def __post_init__(self) -> None:
        if self.block_ms * 3 > self.lease_ttl_ms:
            raise ValueError("lease_ttl_ms must be at least 3 × block_ms, or the lease lapses")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


@dataclass(frozen=True)
class InboxHealth:
    connected: bool
    leader: bool
    reason: str  # CamelCase, for a condition: InboxReady, InboxStandby, RedisUnavailable
    message: str
    applied: int
    dead_lettered: int


class _LeaseLostError(Exception):
    pass


_ACQUIRE_OR_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

RawEntry = tuple[bytes, dict[bytes, bytes] | None]


class ChatInbox:
    def __init__(
        self,
        redis: Redis,
        apply: ApplyMessage,
        settings: InboxSettings | None = None,
        on_dead_letter: DeadLetterHook | None = None,
    ):
        self._redis = redis
        self._apply = apply
        self._on_dead_letter = on_dead_letter
        self.settings = settings or InboxSettings()
        s = self.settings
        # Beside the stream in its cluster slot: the attempts go in one MULTI with its XACK.
        self._lease_key = slot_companion(s.stream, f"leader:{s.group}")
        self._attempts_key = slot_companion(s.stream, f"attempts:{s.group}")
        self._lease_valid_until = 0.0
        self._connected = True
        self._leader = False
        self._last_error = ""
        self.applied = 0
        self.dead_lettered = 0

    def health(self) -> InboxHealth:
        if not self._connected:
            return InboxHealth(
                False,
                False,
                "RedisUnavailable",
                f"Chat messages wait: Redis is unavailable ({self._last_error}).",
                self.applied,
                self.dead_lettered,
            )
        if self._leader:
            return InboxHealth(
                True,
                True,
                "InboxReady",
                "Applying chat messages.",
                self.applied,
                self.dead_lettered,
            )
        return InboxHealth(
            True,
            False,
            "InboxStandby",
            "Another operator instance applies chat messages.",
            self.applied,
            self.dead_lettered,
        )

    async def run(self) -> None:
        """Apply messages forever; survives Redis outages (see ``health()``)."""
        backoff = self.settings.retry_delay_s
        while True:
            try:
                await self._ensure_group()
                led = await self._lead()
                self._connected = True
                backoff = self.settings.retry_delay_s
                if not led:
                    await asyncio.sleep(self.settings.lease_ttl_ms / 3000)
            except (RedisError, OSError) as error:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # A cancellation that redis-py turned into a connection error: still stop.
                    raise asyncio.CancelledError from None
                if self._connected:
                    log.warning("event=inbox_redis_unavailable error=%s", type(error).__name__)
                self._connected, self._leader = False, False
                self._last_error = type(error).__name__
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.settings.max_retry_delay_s)

    async def release(self) -> None:
        """Give up the lead at once (a clean shutdown), so another instance need not wait."""
        self._leader = False
        self._lease_valid_until = 0.0
        with contextlib.suppress(RedisError, OSError):
            await self._redis.eval(_RELEASE, 1, self._lease_key, self.settings.consumer)  # type: ignore[misc]

    # --- Leading ----------------------------------------------------------------------------

    async def _ensure_group(self) -> None:
        try:
            # "0": messages sent before the operator ever ran are applied too.
            await self._redis.xgroup_create(
                self.settings.stream, self.settings.group, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _renew(self) -> bool:
        sent = time.monotonic()
        held = await self._redis.eval(  # type: ignore[misc]
            _ACQUIRE_OR_RENEW,
            1,
            self._lease_key,
            self.settings.consumer,
            str(self.settings.lease_ttl_ms),
        )
        if int(held) == 1:
            # Counted from before the call: the lease cannot outlive our idea of it.
            self._lease_valid_until = sent + self.settings.lease_ttl_ms / 1000
            return True
        self._lease_valid_until = 0.0
        return False

    def _check_lease(self) -> None:
        margin = self.settings.block_ms / 1000
        if time.monotonic() > self._lease_valid_until - margin / 2:
            raise _LeaseLostError

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self.settings.lease_ttl_ms / 3000)
            if not await self._renew():
                raise _LeaseLostError

    async def _lead(self) -> bool:
        """Work while holding the lease; False at once if another instance holds it."""
        if not await self._renew():
            self._leader = False
            return False
        if not self._leader:
            log.info("event=inbox_leading consumer=%s", self.settings.consumer)
        self._leader = True
        self._connected = True
        try:
            await _together(self._keep_lease(), self._work())
        except _LeaseLostError:
            log.info("event=inbox_lease_lost consumer=%s", self.settings.consumer)
            self._leader = False
        return True

    async def _work(self) -> None:
        while True:
            self._check_lease()
            entries = await self._next_entries()
            if entries:
                await self._process(entries)

    # --- Reading ----------------------------------------------------------------------------

    async def _next_entries(self) -> list[RawEntry]:
        s = self.settings
        # Take over what a dead consumer read but never acknowledged.
        start: bytes | str = "0-0"
        while True:
            # Without JUSTID: redis-py drops the cursor from JUSTID replies.
            reply = await self._redis.xautoclaim(
                s.stream, s.group, s.consumer, s.claim_idle_ms, start_id=start, count=s.batch
            )
            start = reply[0]
            if start in (b"0-0", "0-0"):
                break
        # Entries still pending elsewhere are not idle long enough to be sure their consumer is
        # gone. Reading newer entries before them could break a design's order: wait instead.
        summary = await self._redis.xpending(s.stream, s.group)
        others = [
            c
            for c in summary.get("consumers") or []
            if _text(c["name"]) != s.consumer and int(c["pending"]) > 0
        ]
        if others:
            await asyncio.sleep(min(1.0, s.claim_idle_ms / 4000))
            return []
        # Own pending entries (claimed just now, or left by an earlier life) come first.
        mine = await self._redis.xreadgroup(s.group, s.consumer, {s.stream: "0"}, count=s.batch)
        if mine and mine[0][1]:
            return list(mine[0][1])
        self._check_lease()
        new = await self._redis.xreadgroup(
            s.group, s.consumer, {s.stream: ">"}, count=s.batch, block=s.block_ms
        )
        return list(new[0][1]) if new else []

    # --- Applying ---------------------------------------------------------------------------

    async def _process(self, entries: list[RawEntry]) -> None:
        by_design: dict[tuple[str, str], list[tuple[str, dict[bytes, bytes], ChatRequest]]] = {}
        for raw_id, fields in entries:
            entry_id = _text(raw_id)
            if not fields:  # trimmed away before it was applied (requests MAXLEN too small)
                log.error("event=inbox_entry_lost entry=%s reason=trimmed", entry_id)
                await self._redis.xack(self.settings.stream, self.settings.group, entry_id)
                continue
            try:
                request = ChatRequest.from_fields(fields)
            except EventSchemaError as exc:
                await self._dead_letter(entry_id, fields, f"malformed: {exc}", 1)
                continue
            by_design.setdefault((request.namespace, request.name), []).append(
                (entry_id, fields, request)
            )
        await _together(*(self._apply_in_order(items) for items in by_design.values()))

    async def _apply_in_order(
        self, items: list[tuple[str, dict[bytes, bytes], ChatRequest]]
    ) -> None:
        for entry_id, fields, request in items:
            await self._apply_once(entry_id, fields, request)

    async def _apply_once(
        self, entry_id: str, fields: dict[bytes, bytes], request: ChatRequest
    ) -> None:
        s = self.settings
        while True:
            self._check_lease()
            attempt = int(await self._redis.hincrby(self._attempts_key, entry_id, 1))  # type: ignore[misc]
            if attempt > s.max_attempts:
                reason = await self._redis.hget(self._attempts_key, f"{entry_id}:reason")  # type: ignore[misc]
                why = _text(reason) if reason else "the consumer stopped while applying it"
                await self._dead_letter(
                    entry_id, fields, why, attempt - 1, request=request, reason_word="ApplyFailed"
                )
                return
            try:
                outcome = await self._apply(request)
            except PermanentApplyError as exc:
                await self._dead_letter(
                    entry_id,
                    fields,
                    f"permanent: {exc}",
                    attempt,
                    request=request,
                    reason_word=exc.reason,
                )
                return
            except Exception as exc:  # any failure of the target: retry, then dead-letter
                why = f"{type(exc).__name__}: {exc}"[:500]
                log.warning(
                    "event=inbox_apply_failed entry=%s message_id=%s attempt=%d error=%s",
                    entry_id,
                    request.id,
                    attempt,
                    type(exc).__name__,
                )
                await self._redis.hset(self._attempts_key, f"{entry_id}:reason", why)  # type: ignore[misc]
                await asyncio.sleep(min(s.retry_delay_s * 2 ** (attempt - 1), s.max_retry_delay_s))
                continue
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xack(s.stream, s.group, entry_id)
                pipe.hdel(self._attempts_key, entry_id, f"{entry_id}:reason")
                await pipe.execute()
            if outcome is ApplyOutcome.APPLIED:
                self.applied += 1
            log.info(
                "event=inbox_message entry=%s message_id=%s outcome=%s",
                entry_id,
                request.id,
                outcome.value,
            )
            return

    async def _dead_letter(
        self,
        entry_id: str,
        fields: dict[bytes, bytes],
        reason: str,
        attempts: int,
        *,
        request: ChatRequest | None = None,
        reason_word: str = "MalformedMessage",
    ) -> None:
        s = self.settings
        record: dict[Any, Any] = dict(fields)
        record.update(
            {
                "entry_id": entry_id,
                "reason": reason,
                "attempts": str(attempts),
                "group": s.group,
                "consumer": s.consumer,
                "failed_at": now_timestamp(),
            }
        )
        if request is not None:
            # First, on its own: the design's stream lives in another cluster slot than the
            # requests stream, and a transaction cannot span slots. Written before the dead
            # letter, a failure in between repeats the event on redelivery instead of losing it.
            sentence = _not_applied(request, reason, attempts, s.dead_letter_stream)
            event: dict[Any, Any] = to_fields(
                Error(reason=reason_word, message=sentence, message_id=request.id)
            )
            await self._redis.xadd(
                events_key(request.namespace, request.name),
                event,
                maxlen=s.events_maxlen,
                approximate=True,
            )
        # One transaction (one slot): the entry is in the dead-letter stream and acknowledged,
        # or neither.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                s.dead_letter_stream,
                record,
                maxlen=s.dead_letter_maxlen,
                approximate=True,
            )
            pipe.xack(s.stream, s.group, entry_id)
            pipe.hdel(self._attempts_key, entry_id, f"{entry_id}:reason")
            await pipe.execute()
        self.dead_lettered += 1
        log.error(
            "event=inbox_dead_letter entry=%s attempts=%d reason=%s",
            entry_id,
            attempts,
            reason[:200],
        )
        if request is not None and self._on_dead_letter is not None:
            try:
                await self._on_dead_letter(
                    request,
                    reason_word,
                    _not_applied(request, reason, attempts, s.dead_letter_stream),
                )
            except Exception as exc:  # the event and the dead letter are there: log, go on
                log.warning(
                    "event=inbox_dead_letter_report_failed entry=%s error=%s",
                    entry_id,
                    f"{type(exc).__name__}: {exc}"[:200],
                )


def _not_applied(request: ChatRequest, reason: str, attempts: int, stream: str) -> str:
    """The sentence a sender reads: which message, why, and where its text is kept."""
    why = reason.removeprefix("permanent: ")[:700]
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return (
        f"Message {request.id!r} was not applied to InfraDesign "
        f"{request.namespace}/{request.name}{tries}: {why} (its text is kept in {stream})"
    )


async def _together(*work: Coroutine[Any, Any, None]) -> None:
    """Run concurrently until all end or one fails; then cancel the rest and raise its error.

    Not a TaskGroup: on Python 3.11 a TaskGroup whose child fails can leave the parent's
    cancellation count raised, and ``run`` relies on that count to tell a real cancellation
    (the operator stopping it) from a Redis error.
    """
    tasks = [asyncio.ensure_future(coroutine) for coroutine in work]
    if not tasks:
        return
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        error = task.exception()
        if error is not None:
            raise error


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
