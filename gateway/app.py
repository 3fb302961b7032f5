"""The HTTP surface: SSE events out, chat messages in, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Middleware
from opentelemetry.trace import SpanKind
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from autcloud.events import (
    CONVERSATION_TEXT_MAX_CHARS,
    ChatRequest,
    conversation_backlog_message,
    design_ref_problem,
    events_key,
    is_terminal,
)
from autcloud.gateway.auth import (
    Authorizer,
    AuthUnavailableError,
    ForbiddenError,
    Identity,
    UnauthenticatedError,
    bearer_token,
)
from autcloud.gateway.hub import (
    Entry,
    StreamHub,
    Subscription,
    entry_from_redis,
    id_tuple,
    sse_frame,
)
from autcloud.gateway.inputs import (
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_MESSAGE_CHARS,
    MAX_ID_PART,
    InvalidInputError,
    max_body_bytes,
    parse_message_body,
    parse_resume_point,
    parse_until,
)
from autcloud.gateway.limits import DEFAULT_REQUESTS_MAX_BYTES, TokenBuckets
from autcloud.gateway.metrics import GatewayMetrics
from autcloud.gateway.redis_cluster import is_cluster
from autcloud.gateway.redis_url import redis_from_url
from autcloud.gateway.streams import (
    DEFAULT_IDEMPOTENCY_TTL_S,
    DEFAULT_REQUESTS_MAXLEN,
    BacklogFullError,
    IdempotencyConflictError,
    enqueue_request,
    requests_maxlen_for,
)
from autcloud.tracing import context_from, current_traceparent, tracer

log = logging.getLogger("autcloud.gateway")

# How long a sender whose design has a full backlog is told to wait (the operator applies
# a message in well under a second when it keeps up).
BACKLOG_RETRY_S = 5.0
EVENTS_ROUTE = "/v1/namespaces/{namespace}/infradesigns/{name}/events"
MESSAGES_ROUTE = "/v1/namespaces/{namespace}/infradesigns/{name}/messages"


@dataclass(frozen=True)
class GatewayConfig:
    redis_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    readers: int = 2  # reader connections for XREAD (each holds a share of the watched keys)
    command_connections: int = 8  # pool for XRANGE catch-up, XADD, PING
    block_ms: int = 1000
    heartbeat_s: float = 15.0
    queue_limit: int = 1000  # entries waiting for one client before it is cut off
    write_timeout_s: float = 10.0  # a write blocked this long cuts the client off
    catchup_page: int = 500
    retry_ms: int = 2000  # the SSE reconnection delay suggested to clients
    cors_origins: tuple[str, ...] = ()
    # --- Limits (docs/security.md "Gateway limits"; each has a flag on `autcloud gateway`) ---
    # Decoded characters of 'text'; at most the CRD's spec.conversation[].text maxLength.
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    # A connection must deliver a complete request head within this long of opening (or of
    # its previous response), and a message body within body_timeout_s of its head.
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    message_rate: float = 1.0  # messages per second per identity, refilled ...
    message_burst: int = 20  # ... into a bucket this deep
    auth_failure_rate: float = 0.5  # failed authentications per second per client address
    auth_failure_burst: int = 20
    # X-Forwarded-For entries appended by proxies the gateway trusts (0: the peer address).
    trusted_proxy_hops: int = 0
    limiter_keys: int = 100_000  # identities/addresses whose buckets are remembered
    requests_maxlen: int = DEFAULT_REQUESTS_MAXLEN
    requests_max_bytes: int = DEFAULT_REQUESTS_MAX_BYTES
    idempotency_ttl_s: int = DEFAULT_IDEMPOTENCY_TTL_S
    # A second address serving only /metrics, without a token (None: no second address).
    metrics_host: str | None = None
    metrics_port: int = 9090
    extra_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.max_message_chars > CONVERSATION_TEXT_MAX_CHARS:
            raise ValueError(
                f"max_message_chars {self.max_message_chars} is above the InfraDesign CRD's "
                f"{CONVERSATION_TEXT_MAX_CHARS}: the cluster would refuse such messages"
            )


@dataclass
class GatewayState:
    config: GatewayConfig
    authorizer: Authorizer
    metrics: GatewayMetrics
    commands: Redis
    hub: StreamHub
    message_buckets: TokenBuckets
    auth_failures: TokenBuckets
    requests_maxlen: int


STATE = web.AppKey("state", GatewayState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A handler of a design's route, given the namespace and name from its path.
DesignHandler = Callable[[web.Request, str, str], Awaitable[web.StreamResponse]]


def _redis_client(url: str, *, pool_size: int, socket_timeout: float | None) -> Redis:
    # One retry without delay: a pooled connection that died with a Redis restart is replaced
    # at once; a Redis that is really down fails fast so the handler can answer 503.
    return redis_from_url(
        url,
        max_connections=pool_size,
        pool_timeout=5,
        socket_connect_timeout=2,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 1),
    )


def create_app(config: GatewayConfig, authorizer: Authorizer) -> web.Application:
    metrics = GatewayMetrics()
    commands = _redis_client(
        config.redis_url, pool_size=config.command_connections, socket_timeout=10
    )

    def reader() -> Redis:
        return redis_from_url(
            config.redis_url,
            single_connection_client=True,
            socket_connect_timeout=2,
            socket_timeout=config.block_ms / 1000 + 10,
            retry=Retry(NoBackoff(), 0),
        )

    hub = StreamHub(
        reader,
        commands,
        readers=config.readers,
        block_ms=config.block_ms,
        queue_limit=config.queue_limit,
        metrics=metrics,
    )
    cors = _Cors(config.cors_origins)
    app = web.Application(
        middlewares=[_tracing_middleware, cors.preflight, _metrics_middleware(metrics)],
        client_max_size=_body_limit(config),
        handler_args=_handler_args(config),
    )
    app[STATE] = GatewayState(
        config,
        authorizer,
        metrics,
        commands,
        hub,
        message_buckets=TokenBuckets(
            config.message_rate, config.message_burst, max_keys=config.limiter_keys
        ),
        auth_failures=TokenBuckets(
            config.auth_failure_rate, config.auth_failure_burst, max_keys=config.limiter_keys
        ),
        requests_maxlen=requests_maxlen_for(
            config.requests_max_bytes, config.max_message_chars, config.requests_maxlen
        ),
    )
    app.router.add_get(EVENTS_ROUTE, _events)
    app.router.add_post(MESSAGES_ROUTE, _messages)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)

    async def start(app: web.Application) -> None:
        await hub.start()

    async def shutdown(app: web.Application) -> None:
        await hub.aclose()  # ends every SSE response so the server can stop

    async def cleanup(app: web.Application) -> None:
        await authorizer.aclose()
        await commands.aclose()
        if not is_cluster(commands):  # a cluster client closes its node pools itself
            await commands.connection_pool.disconnect()

    app.on_response_prepare.append(cors.add_headers)
    app.on_startup.append(start)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(cleanup)
    return app


def _handler_args(config: GatewayConfig) -> dict[str, float]:
    return {
        # aiohttp closes a connection that is idle this long — including one whose request
        # head is still arriving, so a half-sent request cannot hold a connection forever.
        "keepalive_timeout": config.header_timeout_s,
        # After an answer sent before the body was read (401, 429, 408, 413), aiohttp keeps
        # reading and dropping the rest for this long before closing (its default is 10 s).
        "lingering_time": config.body_timeout_s,
    }


def _body_limit(config: GatewayConfig) -> int:
    return max(64 * 1024, max_body_bytes(config.max_message_chars))


def create_metrics_app(gateway_app: web.Application) -> web.Application:
    """``/metrics`` alone and without a token, for ``--metrics-listen`` (a cluster-internal
    address Prometheus scrapes; the main address keeps its copy behind the token)."""
    metrics = gateway_app[STATE].metrics

    async def serve_metrics(request: web.Request) -> web.Response:
        return _metrics_response(metrics)

    app = web.Application(handler_args=_handler_args(gateway_app[STATE].config))
    app.router.add_get("/metrics", serve_metrics)
    return app


# --- Errors ---------------------------------------------------------------------------------


def _problem(status: int, reason: str, message: str, **headers: str) -> web.Response:
    """A JSON error in the shape of a Kubernetes Status: code, reason, message."""
    return web.json_response(
        {"code": status, "reason": reason, "message": message}, status=status, headers=headers
    )


def _too_many(wait_s: float, message: str) -> web.Response:
    retry_after = max(1, math.ceil(wait_s))
    return _problem(
        429,
        "TooManyRequests",
        f"{message}: retry after {retry_after} s",
        **{"Retry-After": str(retry_after)},
    )


def _unavailable(reason: str, what: str) -> web.Response:
    """503 while ``what`` (a service the gateway depends on) is down: retry in a moment."""
    return _problem(503, reason, f"{what} is unavailable, retry shortly", **{"Retry-After": "2"})


def client_address(request: web.Request, trusted_proxy_hops: int) -> str:
    """The caller's address: the peer's, or the one the nearest trusted proxy saw.

    Each proxy appends the address it received from to X-Forwarded-For, so with N trusted
    proxies the N-th entry from the right is the client; entries further left are the
    client's own claims and are ignored.
    """
    if trusted_proxy_hops > 0:
        hops = [
            part.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for part in header.split(",")
            if part.strip()
        ]
        if len(hops) >= trusted_proxy_hops:
            return hops[-trusted_proxy_hops]
    return request.remote or "unknown"


async def _authenticated(
    request: web.Request, ask: Callable[[str | None], Awaitable[Identity]]
) -> Identity | web.Response:
    """Run ``ask`` on the request's bearer token, turning its errors into answers.

    A client address with too many failed authentications gets 429 before its token is even
    looked at, so guessing tokens (and, with --kubernetes-auth, one TokenReview per new random
    token) is bounded per address.
    """
    state = request.app[STATE]
    address = client_address(request, state.config.trusted_proxy_hops)
    wait = state.auth_failures.delay(address)
    if wait > 0:
        state.metrics.rate_limited.labels(limit="auth_failures").inc()
        return _too_many(wait, "too many failed authentications from this address")
    token = bearer_token(request.headers.get("Authorization"))
    try:
        return await ask(token)
    except UnauthenticatedError as exc:
        state.auth_failures.charge(address)
        return _problem(401, "Unauthorized", str(exc), **{"WWW-Authenticate": "Bearer"})
    except ForbiddenError as exc:
        return _problem(403, "Forbidden", str(exc))
    except AuthUnavailableError as exc:
        log.warning("event=auth_unavailable error=%s", exc)
        return _unavailable("AuthUnavailableError", "authorization")


async def _authorize(
    request: web.Request, namespace: str, name: str, verb: str
) -> Identity | web.Response:
    authorizer = request.app[STATE].authorizer
    return await _authenticated(
        request, lambda token: authorizer.authorize(token, namespace, name, verb)
    )


def _design_route(handler: DesignHandler) -> Handler:
    """The handler of a design's route, called with the namespace and name of the design the
    path names; a path naming no valid design is answered 400 before the handler runs."""

    @functools.wraps(handler)
    async def resolved(request: web.Request) -> web.StreamResponse:
        namespace = request.match_info["namespace"]
        name = request.match_info["name"]
        problem = design_ref_problem(namespace, name)
        if problem:
            return _problem(400, "BadRequest", problem)
        return await handler(request, namespace, name)

    return resolved


# --- Events (SSE) ---------------------------------------------------------------------------


class _ClientGoneError(Exception):
    """The client closed the connection, or read so slowly that it was cut off."""


@_design_route
async def _events(request: web.Request, namespace: str, name: str) -> web.StreamResponse:
    state = request.app[STATE]
    try:
        start = parse_resume_point(request.headers.get("Last-Event-ID"), request.query.get("since"))
        until_done = parse_until(request.query.get("until"))
    except InvalidInputError as exc:
        return _problem(400, "BadRequest", str(exc))
    identity = await _authorize(request, namespace, name, "get")
    if isinstance(identity, web.Response):
        return identity

    key = events_key(namespace, name)
    try:
        subscription = await state.hub.subscribe(key)
    except (RedisError, OSError):
        state.metrics.redis_errors.inc()
        return _unavailable("RedisUnavailable", "the event store")
    state.metrics.sse_clients.inc()
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # tell nginx-style proxies not to buffer
            }
        )
        await response.prepare(request)
        stream = _EventWriter(state, response, until_done)
        try:
            await stream.write(f"retry: {state.config.retry_ms}\n\n".encode())
            await stream.follow(key, subscription, start)
        except _ClientGoneError:
            pass
        return response
    finally:
        state.hub.unsubscribe(subscription)
        state.metrics.sse_clients.dec()


class _EventWriter:
    """Writes one client's events: catch-up from Redis, then live from the hub."""

    def __init__(self, state: GatewayState, response: web.StreamResponse, until_done: bool):
        self._state = state
        self._response = response
        self._until_done = until_done
        self.cursor = (0, 0)

    async def write(self, data: bytes) -> None:
        try:
            async with asyncio.timeout(self._state.config.write_timeout_s):
                await self._response.write(data)
        except TimeoutError as exc:
            self._state.metrics.slow_clients.inc()
            raise _ClientGoneError from exc
        except (ConnectionError, RuntimeError) as exc:  # reset, or the transport is closing
            raise _ClientGoneError from exc

    async def send(self, entries: list[Entry]) -> bool:
        """Write entries after the cursor; True once the run's ``done`` went out (and wanted)."""
        fresh = [e for e in entries if id_tuple(e.id) > self.cursor]
        finished = False
        if self._until_done:
            for index, entry in enumerate(fresh):
                if is_terminal(entry.event):
                    fresh = fresh[: index + 1]
                    finished = True
                    break
        if not fresh:
            return finished
        await self.write(b"".join(e.frame for e in fresh))
        self.cursor = id_tuple(fresh[-1].id)
        metrics = self._state.metrics
        metrics.events_delivered.inc(len(fresh))
        metrics.delivery_latency.observe(max(0.0, time.time() - fresh[0].millis / 1000))
        return finished

    async def follow(self, key: str, subscription: Subscription, start: str | None) -> None:
        commands = self._state.commands
        config = self._state.config
        if start is None:  # "now": skip the history
            newest = await commands.xrevrange(key, "+", "-", count=1)
            start = newest[0][0].decode() if newest else "0-0"
        assert start is not None
        self.cursor = id_tuple(start)
        if self.cursor == (MAX_ID_PART, MAX_ID_PART):
            # Nothing can come after the largest ID, and Redis refuses "(" + it as a start.
            await self._follow_live(subscription)
            return
        if self.cursor != (0, 0) and await self._history_lost(key, start):
            await self.write(
                sse_frame(None, "stream.truncated", f'{{"after":"{start}","reason":"trimmed"}}')
            )
        # Catch-up: everything after the cursor that is already in Redis.
        while True:
            try:
                page = await commands.xrange(
                    key, min=f"({_id_text(self.cursor)}", max="+", count=config.catchup_page
                )
            except (RedisError, OSError) as exc:
                self._state.metrics.redis_errors.inc()
                raise _ClientGoneError from exc  # the client resumes with Last-Event-ID
            if await self.send([entry_from_redis(i, f) for i, f in page]):
                return
            if len(page) < config.catchup_page:
                break
        await self._follow_live(subscription)

    async def _follow_live(self, subscription: Subscription) -> None:
        """What the hub reads from now on (overlapping the catch-up; repeats are skipped)."""
        config = self._state.config
        while True:
            batch = await subscription.next_batch(config.heartbeat_s)
            if subscription.overflowed:
                self._state.metrics.slow_clients.inc()
                with contextlib.suppress(_ClientGoneError):
                    await self.write(b": too slow, reconnect with Last-Event-ID\n\n")
                return
            if not batch:
                if subscription.closed:
                    return
                await self.write(b": heartbeat\n\n")
                continue
            if await self.send(batch):
                return

    async def _history_lost(self, key: str, after: str) -> bool:
        """True when entries after ``after`` may have been trimmed away (it is too old).

        MAXLEN trims from the oldest end, so a gap is possible only when the resume point is
        older than the first entry kept and is itself gone; XDEL is tracked by Redis directly.
        """
        commands = self._state.commands
        try:
            info = await commands.xinfo_stream(key)
        except (RedisError, OSError):
            return False  # no such stream yet: nothing was lost
        cursor = id_tuple(after)
        deleted = _text(info.get("max-deleted-entry-id") or b"0-0")
        if id_tuple(deleted) > cursor:
            return True
        first = info.get("first-entry")
        if not first or id_tuple(_text(first[0])) <= cursor:
            return False
        if int(info.get("entries-added", 0)) <= int(info.get("length", 0)):
            return False  # nothing was ever trimmed
        return not await commands.xrange(key, min=after, max=after, count=1)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id_text(cursor: tuple[int, int]) -> str:
    return f"{cursor[0]}-{cursor[1]}"


# --- Messages -------------------------------------------------------------------------------


@_design_route
async def _messages(request: web.Request, namespace: str, name: str) -> web.Response:
    state = request.app[STATE]
    identity = await _authorize(request, namespace, name, "patch")
    if isinstance(identity, web.Response):
        return identity
    config = state.config
    # Before the body is read: a limited sender costs no parsing and no Redis write.
    wait = state.message_buckets.take(identity.username)
    if wait > 0:
        state.metrics.rate_limited.labels(limit="messages").inc()
        return _too_many(wait, f"too many messages from {identity.username!r}")
    try:
        async with asyncio.timeout(config.body_timeout_s):
            raw = await request.read()
    except TimeoutError:
        response = _problem(
            408,
            "RequestTimeout",
            f"the body did not arrive within {config.body_timeout_s:g} s: send it at once",
        )
        response.force_close()  # the rest of the body may still come: drop the connection
        return response
    except web.HTTPRequestEntityTooLarge:
        response = _problem(
            413,
            "RequestEntityTooLarge",
            f"the body is larger than {_body_limit(config)} bytes: field 'text' holds "
            f"at most {config.max_message_chars} characters",
        )
        response.force_close()
        return response
    try:
        body = parse_message_body(raw, config.max_message_chars, config.max_json_depth)
    except InvalidInputError as exc:
        return _problem(400, "BadRequest", str(exc))
    chat = ChatRequest(
        namespace=namespace,
        name=name,
        id=body.id or uuid.uuid4().hex,
        text=body.text,
        user=identity.username,
        traceparent=current_traceparent(),  # the operator applies the message in this trace
    )
    try:
        enqueued = await enqueue_request(
            state.commands,
            chat,
            maxlen=state.requests_maxlen,
            ttl_s=state.config.idempotency_ttl_s,
        )
    except IdempotencyConflictError:
        return _problem(
            409, "Conflict", f"id {chat.id!r} was already used for a different text: use a new id"
        )
    except BacklogFullError as exc:
        return _too_many(
            BACKLOG_RETRY_S, conversation_backlog_message(namespace, name, exc.waiting)
        )
    except (RedisError, OSError):
        state.metrics.redis_errors.inc()
        return _unavailable("RedisUnavailable", "the message queue")
    state.metrics.messages_accepted.labels(duplicate=str(enqueued.duplicate).lower()).inc()
    return web.json_response(
        {"id": chat.id, "entry": enqueued.entry_id, "duplicate": enqueued.duplicate},
        status=202,
    )


# --- Health, readiness, metrics -------------------------------------------------------------


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        async with asyncio.timeout(2):
            await state.commands.ping()  # type: ignore[misc]
    except (RedisError, OSError, TimeoutError):
        return web.json_response({"status": "unavailable", "redis": "unreachable"}, status=503)
    return web.json_response({"status": "ready", "redis": "ok"})


async def _metrics(request: web.Request) -> web.Response:
    state = request.app[STATE]
    identity = await _authenticated(request, state.authorizer.authorize_metrics)
    if isinstance(identity, web.Response):
        return identity
    return _metrics_response(state.metrics)


def _metrics_response(metrics: GatewayMetrics) -> web.Response:
    return web.Response(
        body=metrics.render(), headers={"Content-Type": "text/plain; version=0.0.4"}
    )


# --- Middlewares ----------------------------------------------------------------------------


class _Cors:
    """CORS for the configured origins (``*`` for any). Written out because it is a few lines
    and the aiohttp-cors package lags behind aiohttp releases."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self._origins = origins

    def allowed(self, origin: str | None) -> str | None:
        if not origin or not self._origins:
            return None
        if "*" in self._origins:
            return "*"
        return origin if origin in self._origins else None

    @web.middleware
    async def preflight(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return await handler(request)
        origin = self.allowed(request.headers.get("Origin"))
        if origin is None:
            return _problem(403, "Forbidden", "this origin is not allowed (see --cors-origin)")
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, Last-Event-ID",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )

    async def add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """On every response as it is prepared, so streaming ones carry the headers too."""
        origin = self.allowed(request.headers.get("Origin"))
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"


@web.middleware
async def _tracing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A server span per request, continuing the caller's trace when it sends ``traceparent``."""
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    with tracer().start_as_current_span(
        f"{request.method} {route}",
        context=context_from(request.headers.get("traceparent", "")),
        kind=SpanKind.SERVER,
        attributes={"http.request.method": request.method, "http.route": route},
    ) as span:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            span.set_attribute("http.response.status_code", exc.status)
            raise
        span.set_attribute("http.response.status_code", response.status)
        return response


def _metrics_middleware(
    metrics: GatewayMetrics,
) -> Middleware:
    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            metrics.http_requests.labels(route=route, status=str(exc.status)).inc()
            raise
        metrics.http_requests.labels(route=route, status=str(response.status)).inc()
        return response

    return count
