"""Where a run's progress events go: nowhere by default, or a Redis stream for the gateway.

Redis is optional. :class:`EventSink` is the seam; :class:`NullEventSink` is the default, and
:class:`GatewayEventSink` adapts the gateway's ``EventPublisher`` (it buffers, never blocks and
never raises), translating the design engine's events into the wire schema of
``autcloud.events``. An event the schema does not accept is dropped, never fatal to a run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

log = logging.getLogger("autcloud.operator.events")


class EventSink(Protocol):
    def emit(self, namespace: str, name: str, event: Mapping[str, Any]) -> None:
        """Queue one event (a dict with ``type`` as in ``autcloud.events``). Never raises."""

    async def aclose(self) -> None: ...


class NullEventSink:
    """No Redis configured: progress is visible in status, Kubernetes Events and logs only."""

    def emit(self, namespace: str, name: str, event: Mapping[str, Any]) -> None:
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
        from redis.asyncio import Redis

        from autcloud.gateway.streams import EventPublisher

        redis = Redis.from_url(redis_url)
        publisher = EventPublisher(redis)
        await publisher.start()
        return cls(publisher, redis)

    def emit(self, namespace: str, name: str, event: Mapping[str, Any]) -> None:
        try:
            self._publisher.emit(namespace, name, event)
        except Exception as error:  # a schema mismatch must not stop a design run
            log.debug("event=progress_event_dropped type=%s error=%s", event.get("type"), error)

    async def aclose(self) -> None:
        await self._publisher.aclose()
        await self._redis.aclose()


def to_wire(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The design engine's callback event as an ``autcloud.events`` dict, or None to skip."""
    kind = event.get("event")
    if kind == "node_started":
        return {"type": "node.started", "node": str(event.get("node", ""))}
    if kind == "node_finished":
        return {
            "type": "node.finished",
            "node": str(event.get("node", "")),
            "duration_ms": float(event.get("ms") or 0.0),
        }
    if kind == "resource_generated":
        address = str(event.get("address", ""))
        return {
            "type": "resource.generated",
            "address": address,
            "resource_type": str(event.get("type") or address.split(".")[0]),
        }
    if kind == "validation_step":
        return {
            "type": "validation.step",
            "step": str(event.get("name", "")),
            "passed": event.get("status") != "failed",
            "duration_ms": float(event.get("ms") or 0.0),
            "summary": str(event.get("reason", "")),
        }
    return None
