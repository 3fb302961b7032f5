"""Bounded in-memory limiters: keyed token buckets and an LRU cache whose entries expire.

Both are written out here (about thirty lines each) rather than taken from ``limits`` or
``cachetools``: neither is a dependency of the project, and what the gateway needs is small —
per-key buckets whose key set cannot grow without bound, and an LRU with a TTL per entry.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

# Defaults of the limits that live in modules importing aiohttp or redis, kept here so the CLI
# can show them without importing those.
DEFAULT_REQUESTS_MAX_BYTES = 256 * 1024 * 1024  # the requests stream's byte budget
DEFAULT_AUTH_CACHE_TTL_S = 10.0  # a "yes" TokenReview/SubjectAccessReview
DEFAULT_AUTH_NEGATIVE_TTL_S = 2.0  # a "no"
DEFAULT_AUTH_CACHE_SIZE = 10_000

K = TypeVar("K")
V = TypeVar("V")

Clock = Callable[[], float]


class TokenBuckets:
    """One token bucket per key: ``burst`` tokens, refilled at ``rate`` per second.

    At most ``max_keys`` buckets are kept; the least recently used one is forgotten first.
    A forgotten bucket starts full again, which errs on the side of the caller, never on the
    side of the gateway's memory. ``rate <= 0`` turns the limit off.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Clock = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """Take one token: 0.0 when there was one, else the seconds until one is due."""
        if not self.enabled:
            return 0.0
        tokens = self._tokens(key)
        if tokens >= 1.0:
            self._store(key, tokens - 1.0)
            return 0.0
        self._store(key, tokens)
        return (1.0 - tokens) / self.rate

    def delay(self, key: str) -> float:
        """Seconds until ``key`` has a token again (0.0: it has one now); takes nothing."""
        if not self.enabled or key not in self._buckets:
            return 0.0
        tokens = self._tokens(key)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def charge(self, key: str) -> None:
        """Take a token for something that already happened (a failed attempt).

        The bucket may go into debt, down to ``-burst``: attempts that were let through at
        once, before any of them failed, are all paid for.
        """
        if self.enabled:
            self._store(key, max(-float(self.burst), self._tokens(key) - 1.0))

    def _tokens(self, key: str) -> float:
        now = self._clock()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) * self.rate)

    def _store(self, key: str, tokens: float) -> None:
        self._buckets[key] = (tokens, self._clock())
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)


class ExpiringLru(Generic[K, V]):
    """An LRU cache of at most ``max_size`` entries, each with its own time to live.

    When full, only the least recently used entry goes: a flood of new keys pushes out the
    coldest answers one by one instead of wiping the cache.
    """

    def __init__(self, max_size: int, *, clock: Clock = time.monotonic) -> None:
        self._max_size = max(1, max_size)
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> tuple[V] | None:
        """``(value,)`` while fresh (so a cached None is told from a miss), else None."""
        hit = self._entries.get(key)
        if hit is None:
            return None
        expires, value = hit
        if expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return (value,)

    def put(self, key: K, value: V, ttl_s: float) -> None:
        if ttl_s <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = (self._clock() + ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
