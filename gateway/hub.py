"""Reads the design streams this instance's clients watch and fans their entries out.

Why this shape: one blocking XREAD per client would cost one Redis connection per client. The
hub instead keeps a few reader connections (``readers``); each owns a share of the watched keys
(by hash) and reads all of them with one ``XREAD BLOCK ... STREAMS k1 k2 ...``. A key is read
only while at least one local client watches it, so an instance never reads streams its own
clients do not want. When a key joins, the reader is woken with ``CLIENT UNBLOCK`` so the key is
read at once rather than after the current block ends. On a Redis Cluster the keys of one XREAD
must share a slot, so a reader polls instead: one XREAD per slot, pipelined, every 50 ms while
nothing arrives.

Each entry is encoded as an SSE frame once and the same bytes go to every watcher. A watcher's
queue is bounded: when it is full the watcher is marked overflowed and its connection is closed
(it resumes with ``Last-Event-ID``), so a slow client never grows the gateway's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.crc import key_slot
from redis.exceptions import RedisError

from autcloud.gateway.metrics import GatewayMetrics
from autcloud.gateway.redis_cluster import is_cluster

log = logging.getLogger("autcloud.gateway.hub")

RedisFactory = Callable[[], Redis]
# How often a Redis Cluster reader polls while its streams are quiet (see _poll_cluster).
CLUSTER_POLL_S = 0.05
RawEntry = tuple[bytes, dict[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry, ready to write: ``frame`` is its complete SSE frame."""

    id: str
    event: str
    frame: bytes

    @property
    def millis(self) -> int:
        """When Redis appended it (the time part of the entry ID)."""
        return int(self.id.partition("-")[0])


def sse_frame(entry_id: str | None, event: str, data: str) -> bytes:
    """An SSE frame; newlines inside ``data`` become extra ``data:`` lines, as the spec says."""
    lines = []
    if entry_id is not None:
        lines.append(f"id: {entry_id}")
    lines.append(f"event: {event.replace(chr(10), ' ').replace(chr(13), ' ')}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode()


def entry_from_redis(entry_id: bytes | str, fields: dict[bytes, bytes]) -> Entry:
    ident = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    event = fields.get(b"event", b"message").decode(errors="replace")
    data = fields.get(b"data", b"{}").decode(errors="replace")
    return Entry(ident, event, sse_frame(ident, event, data))


def id_tuple(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)


def _reraise_if_cancelled() -> None:
    """redis-py turns a cancelled read into ConnectionError; a cancelled task must still end."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Subscription:
    """One client's view of one stream: a bounded queue the hub fills."""

    def __init__(self, key: str, limit: int) -> None:
        self.key = key
        self._limit = limit
        self._items: deque[Entry] = deque()
        self._ready = asyncio.Event()
        self.overflowed = False
        self.closed = False

    def push(self, entries: Sequence[Entry]) -> None:
        if self.closed or self.overflowed:
            return
        if len(self._items) + len(entries) > self._limit:
            self.overflowed = True  # drop what it holds: the client resumes from Redis instead
            self._items.clear()
        else:
            self._items.extend(entries)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next_batch(self, timeout_s: float) -> list[Entry]:
        """Entries waiting now (all of them), or [] after ``timeout_s`` with none."""
        if not self._items and not self.closed and not self.overflowed:
            self._ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await self._ready.wait()
        batch = list(self._items)
        self._items.clear()
        return batch

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _Shard:
    """The keys one reader connection reads, where it is in each, and who watches them."""

    positions: dict[str, str] = field(default_factory=dict)
    watchers: dict[str, set[Subscription]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    client_id: int | None = None
    blocked: bool = False


class StreamHub:
    def __init__(
        self,
        reader_factory: RedisFactory,
        commands: Redis,
        *,
        readers: int = 2,
        block_ms: int = 1000,
        read_count: int = 500,
        queue_limit: int = 1000,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self._reader_factory = reader_factory
        self._commands = commands
        self._shards = [_Shard() for _ in range(max(1, readers))]
        self._block_ms = block_ms
        self._read_count = read_count
        self._queue_limit = queue_limit
        self._metrics = metrics or GatewayMetrics()
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = [True] * len(self._shards)
        self._subscriptions: set[Subscription] = set()
        self._closing = False

    @property
    def connected(self) -> bool:
        """True while every reader reaches Redis."""
        return all(self._connected)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._read_forever(i), name=f"stream-reader-{i}")
            for i in range(len(self._shards))
        ]

    async def aclose(self) -> None:
        self._closing = True
        for sub in list(self._subscriptions):
            sub.close()
        for shard in self._shards:
            shard.changed.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def _shard_of(self, key: str) -> int:
        return zlib.crc32(key.encode()) % len(self._shards)

    async def subscribe(self, key: str) -> Subscription:
        """Start receiving every entry appended to ``key`` from now on.

        The caller reads what came before with XRANGE *after* this returns: anything appended
        later reaches the subscription, so the two overlap (the caller skips repeats by ID) and
        never leave a gap.
        """
        shard_index = self._shard_of(key)
        shard = self._shards[shard_index]
        is_new = key not in shard.positions
        if is_new:
            last = await self._last_id(key)
            is_new = key not in shard.positions  # another client may have joined meanwhile
            if is_new:
                shard.positions[key] = last
                shard.watchers[key] = set()
        sub = Subscription(key, self._queue_limit)
        shard.watchers[key].add(sub)
        self._subscriptions.add(sub)
        self._metrics.watched_streams.set(sum(len(s.positions) for s in self._shards))
        if is_new:
            await self._wake(shard)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.close()
        self._subscriptions.discard(sub)
        shard = self._shards[self._shard_of(sub.key)]
        watchers = shard.watchers.get(sub.key)
        if watchers is None:
            return
        watchers.discard(sub)
        if not watchers:  # nobody here watches it any more: stop reading it
            del shard.watchers[sub.key]
            del shard.positions[sub.key]
        self._metrics.watched_streams.set(sum(len(s.positions) for s in self._shards))

    async def _last_id(self, key: str) -> str:
        newest = await self._commands.xrevrange(key, "+", "-", count=1)
        if not newest:
            return "0-0"
        ident = newest[0][0]
        return ident.decode() if isinstance(ident, bytes) else str(ident)

    async def _wake(self, shard: _Shard) -> None:
        shard.changed.set()
        if shard.blocked and shard.client_id is not None:
            # Best effort: if it fails the key is read when the current block ends.
            with contextlib.suppress(RedisError, OSError):
                await self._commands.client_unblock(shard.client_id)

    async def _read_forever(self, index: int) -> None:
        shard = self._shards[index]
        backoff = 0.05
        reader: Redis | None = None
        try:
            while not self._closing:
                # Checked every turn: a cancellation that redis-py absorbed still ends the task.
                _reraise_if_cancelled()
                if not shard.positions:
                    shard.changed.clear()
                    await shard.changed.wait()
                    continue
                reader = reader or self._reader_factory()
                try:
                    result = await self._read_once(shard, reader)
                except (RedisError, OSError) as exc:
                    _reraise_if_cancelled()
                    self._reader_failed(index, exc)
                    with contextlib.suppress(RedisError, OSError):
                        await reader.aclose()
                    reader = None
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
                    continue
                if not self._connected[index]:
                    log.info("event=reader_connected reader=%d", index)
                self._connected[index] = True
                self._metrics.redis_up.set(1 if self.connected else 0)
                backoff = 0.05
                self._dispatch(shard, result)
        finally:
            if reader is not None:
                with contextlib.suppress(RedisError, OSError):
                    await reader.aclose()

    async def _read_once(self, shard: _Shard, reader: Redis) -> list[tuple[bytes, list[RawEntry]]]:
        """One blocking XREAD of all the shard's keys (CLIENT ID alongside, for waking it)."""
        streams = dict(shard.positions)
        shard.changed.clear()
        if is_cluster(reader):
            return await self._poll_cluster(shard, reader, streams)
        try:
            async with reader.pipeline(transaction=False) as pipe:
                pipe.client_id()
                pipe.xread(streams, count=self._read_count, block=self._block_ms)  # type: ignore[arg-type]
                shard.blocked = True
                client_id, result = await pipe.execute()
        finally:
            shard.blocked = False
        shard.client_id = int(client_id)
        return result or []

    async def _poll_cluster(
        self, shard: _Shard, reader: Redis, streams: dict[str, str]
    ) -> list[tuple[bytes, list[RawEntry]]]:
        """Redis Cluster: one XREAD per hash slot, pipelined (grouped by node), not blocking.

        A blocking XREAD cannot name keys of different slots, and one blocked connection per
        design would cost what the hub exists to save; so the reader polls every
        ``CLUSTER_POLL_S`` while nothing arrives (a new key wakes it at once).
        """
        by_slot: dict[int, dict[str, str]] = {}
        for key, position in streams.items():
            by_slot.setdefault(key_slot(key.encode()), {})[key] = position
        async with reader.pipeline(transaction=False) as pipe:
            for group in by_slot.values():
                pipe.xread(group, count=self._read_count)  # type: ignore[arg-type]
            replies = await pipe.execute()
        result = [item for reply in replies for item in reply or []]
        if not result:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLUSTER_POLL_S):
                    await shard.changed.wait()
        return result

    def _reader_failed(self, index: int, exc: BaseException) -> None:
        self._metrics.redis_errors.inc()
        if self._connected[index]:
            log.warning("event=reader_disconnected reader=%d error=%s", index, type(exc).__name__)
        self._connected[index] = False
        self._metrics.redis_up.set(0)

    def _dispatch(self, shard: _Shard, result: list[tuple[bytes, list[RawEntry]]]) -> None:
        for raw_key, raw_entries in result:
            key = raw_key.decode()
            watchers = shard.watchers.get(key)
            if not watchers or not raw_entries:
                continue
            position = id_tuple(shard.positions[key])
            entries = [entry_from_redis(i, f) for i, f in raw_entries]
            entries = [e for e in entries if id_tuple(e.id) > position]  # a stale read repeats
            if not entries:
                continue
            shard.positions[key] = entries[-1].id
            for sub in watchers:
                sub.push(entries)
