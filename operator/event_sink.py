"""Where a run's progress events go: nowhere by default, or a Redis stream for the gateway.

Redis is optional. :class:`EventSink` is the seam; :class:`NullEventSink` is the default, and
:class:`GatewayEventSink` adapts the gateway's ``EventPublisher`` (it buffers, never blocks and
never raises). The workflow and the reconcile hand it ``autcloud.events`` classes, the wire
schema itself: nothing is translated on the way.

Whether a run's events reached Redis: the handler wraps the shared sink in a
:class:`RunEventSink` for each reconcile; it watches the publisher's health while the run emits
and, once the run is over, waits briefly for the buffer to drain. Its :class:`PublishReport`
becomes the design's ``ProgressPublished`` condition. A sink without health (no Redis) gives
no report, and no condition.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from autcloud.events import Event

log = logging.getLogger("autcloud.operator.events")


class EventSink(Protocol):
    def emit(self, namespace: str, name: str, event: Event) -> None:
        """Queue one event of the wire schema. Never raises."""

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class PublishHealth:
    """A snapshot of the publisher (the fields of the gateway's ``PublisherHealth`` we read)."""

    connected: bool
    buffered: int
    dropped: int
    message: str


@runtime_checkable
class MonitoredEventSink(EventSink, Protocol):
    """A sink that can say whether its events reach their destination."""

    def health(self) -> PublishHealth: ...

    async def drain(self, timeout_s: float) -> bool:
        """Wait at most ``timeout_s`` for every buffered event to be sent; True when sent."""


@dataclass(frozen=True)
class PublishReport:
    """Whether one run's progress events reached Redis, as a condition's parts."""

    published: bool
    reason: str  # EventsPublished, RedisUnavailable, EventsDropped
    message: str


class NullEventSink:
    """No Redis configured: progress is visible in status, Kubernetes Events and logs only."""

    def emit(self, namespace: str, name: str, event: Event) -> None:
        return None

    async def aclose(self) -> None:
        return None


class GatewayEventSink:
    """Sends events through ``autcloud.gateway.streams.EventPublisher``."""

    def __init__(self, publisher: Any, redis: Any) -> None:
        self._publisher = publisher
        self._redis = redis

    @classmethod
    async def connect(cls, redis_url: str) -> GatewayEventSink:
        from autcloud.gateway.redis_url import redis_from_url
        from autcloud.gateway.streams import EventPublisher

        redis = redis_from_url(redis_url)
        publisher = EventPublisher(redis)
        await publisher.start()
        return cls(publisher, redis)

    def emit(self, namespace: str, name: str, event: Event) -> None:
        try:
            self._publisher.emit(namespace, name, event)
        except Exception as error:  # a publishing bug must not stop a design run
            log.debug("event=progress_event_dropped type=%s error=%s", event.type, error)

    def health(self) -> PublishHealth:
        health = self._publisher.health()
        return PublishHealth(health.connected, health.buffered, health.dropped, health.message)

    async def drain(self, timeout_s: float) -> bool:
        result: bool = await self._publisher.flush(timeout_s)
        return result

    async def aclose(self, drain_timeout_s: float = 5.0) -> None:
        """Stop after trying, for at most ``drain_timeout_s``, to send what is buffered."""
        await self._publisher.aclose(drain_timeout_s)
        await self._redis.aclose()


DRAIN_TIMEOUT_S = 3.0  # how long a finished run waits for its last events to reach Redis
DRAIN_POLL_S = 0.05


class RunEventSink:
    """One run's view of the shared sink: forwards its events and notes Redis failing meanwhile.

    The publisher is shared by all runs and finds an outage asynchronously (its sender fails,
    not ``emit``), so the health is sampled on every emit and after the run. A run counts as
    published when, shortly after it ended, every buffered event had reached Redis and none
    had been dropped; an outage it recovered from only changes the message."""

    def __init__(self, sink: EventSink, *, drain_timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        self._sink = sink
        self._drain_timeout_s = drain_timeout_s
        self._monitored = sink if isinstance(sink, MonitoredEventSink) else None
        self._dropped_before = self._monitored.health().dropped if self._monitored else 0
        self._outage = False  # Redis seen down while the run emitted

    def emit(self, namespace: str, name: str, event: Event) -> None:
        self._sink.emit(namespace, name, event)
        if self._monitored is not None:
            self._note(self._monitored.health())

    async def aclose(self) -> None:
        return None  # the shared sink outlives the run

    async def report(self) -> PublishReport | None:
        """After the run: None without a monitored sink, else whether its events got through."""
        sink = self._monitored
        if sink is None:
            return None
        delivered = await self._wait_for_drain(sink)
        health = sink.health()
        self._note(health)
        dropped = health.dropped - self._dropped_before
        if not delivered:
            message = (
                health.message
                if not health.connected
                else f"Redis did not take the run's progress events within "
                f"{self._drain_timeout_s:.0f} s; {health.buffered} wait in memory."
            )
            return PublishReport(False, "RedisUnavailable", message)
        if dropped > 0:
            return PublishReport(
                False,
                "EventsDropped",
                f"{dropped} progress events were dropped while Redis was unavailable.",
            )
        if self._outage:
            return PublishReport(
                True,
                "EventsPublished",
                "The run's progress events reached Redis, late: it was unavailable for a while.",
            )
        return PublishReport(True, "EventsPublished", "The run's progress events reached Redis.")

    def _note(self, health: PublishHealth) -> None:
        self._outage = self._outage or not health.connected

    async def _wait_for_drain(self, sink: MonitoredEventSink) -> bool:
        """Drained within the timeout; gives up at once when the publisher reports Redis down."""
        deadline = time.monotonic() + self._drain_timeout_s
        while True:
            if await sink.drain(DRAIN_POLL_S):
                return True
            health = sink.health()
            if not health.connected:
                self._note(health)
                return False
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0)
