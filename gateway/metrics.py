"""The gateway's Prometheus metrics, in a registry of its own (one per app: tests run many)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Publish→deliver latency: the entry ID's timestamp (Redis' clock at XADD) to the write.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sse_clients = Gauge(
            "autcloud_gateway_sse_clients", "SSE clients connected now.", registry=r
        )
        self.watched_streams = Gauge(
            "autcloud_gateway_watched_streams",
            "Design event streams this instance reads for its clients.",
            registry=r,
        )
        self.events_delivered = Counter(
            "autcloud_gateway_events_delivered",
            "Events written to SSE clients (one per client per event).",
            registry=r,
        )
        self.slow_clients = Counter(
            "autcloud_gateway_slow_clients_disconnected",
            "SSE clients cut off because they read too slowly.",
            registry=r,
        )
        self.delivery_latency = Histogram(
            "autcloud_gateway_delivery_latency_seconds",
            "From XADD (the entry ID's time) to the write to a live client.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.http_requests = Counter(
            "autcloud_gateway_http_requests",
            "HTTP requests by route and status.",
            ["route", "status"],
            registry=r,
        )
        self.messages_accepted = Counter(
            "autcloud_gateway_messages_accepted",
            "Chat messages accepted into the requests stream.",
            ["duplicate"],
            registry=r,
        )
        self.rate_limited = Counter(
            "autcloud_gateway_rate_limited",
            "Requests answered 429: limit=messages (per identity) or auth_failures (per address).",
            ["limit"],
            registry=r,
        )
        self.redis_errors = Counter(
            "autcloud_gateway_redis_errors", "Redis commands that failed.", registry=r
        )
        self.redis_up = Gauge(
            "autcloud_gateway_redis_up", "1 while the stream readers reach Redis.", registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
