"""Every Redis connection of AutCloud, from one URL (docs/streaming.md "Redis URLs").

- ``redis://[[user]:password@]host:port/db`` and ``unix:///path?db=0``: one Redis.
- ``rediss://...``: the same over TLS; redis-py's query options apply, e.g.
  ``?ssl_ca_certs=/etc/redis-ca/ca.crt`` or ``?ssl_cert_reqs=none``.
- ``redis+sentinel://[[user]:password@]host:26379,host2:26379/SERVICE/db``: a managed Redis
  behind Sentinel; the Sentinels name the current master of SERVICE, and a failover is followed.
  ``rediss+sentinel://`` speaks TLS to the Sentinels and the master. The password is the
  master's; ``?sentinel_password=...`` authenticates to the Sentinels when they ask for one.
- ``redis+cluster://[[user]:password@]host:port,host2:port`` (``rediss+cluster://``: TLS): a
  Redis Cluster, e.g. ElastiCache in cluster mode (``autcloud.gateway.redis_cluster``;
  docs/streaming.md "Redis Cluster").

A user name or password in a URL is percent-encoded (``@`` is ``%40``, ``/`` is ``%2F``).
When the URL carries no password, the one in ``$AUTCLOUD_REDIS_PASSWORD`` is used as is (no
encoding): the Helm chart passes its Secret that way, so any character works.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

from autcloud.gateway.redis_cluster import (
    CLUSTER_SCHEMES,
    cluster_from_url,
    cluster_seeds,
    host_ports,
    is_cluster_url,
)

ENV_REDIS_PASSWORD = "AUTCLOUD_REDIS_PASSWORD"
PLAIN_SCHEMES = ("redis", "rediss", "unix")
SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")
DEFAULT_SENTINEL_PORT = 26379
EXAMPLE = (
    "redis://redis:6379/0, redis+sentinel://sentinel:26379/mymaster/0 or "
    "redis+cluster://node-1:6379,node-2:6379"
)


@dataclass(frozen=True)
class SentinelTarget:
    """A parsed ``redis+sentinel://`` URL."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int
    username: str | None
    password: str | None
    sentinel_password: str | None
    tls: bool


def check_redis_url(url: str) -> None:
    """ValueError naming the fix unless ``url`` is a Redis URL this module can open."""
    scheme = urlsplit(url).scheme
    if scheme in SENTINEL_SCHEMES:
        parse_sentinel_url(url)
    elif scheme in CLUSTER_SCHEMES:
        cluster_seeds(url)
    elif scheme not in PLAIN_SCHEMES:
        raise ValueError(f"{_shown(url)} is not a Redis URL; e.g. {EXAMPLE}")


def parse_sentinel_url(url: str) -> SentinelTarget:
    """``redis+sentinel://[user:pass@]host:port,host2:port/SERVICE[/DB]``; ValueError names the fix."""
    parts = urlsplit(url)
    if parts.scheme not in SENTINEL_SCHEMES:
        raise ValueError(f"{_shown(url)}: a Sentinel URL starts with redis+sentinel://")
    credentials, _, hosts = parts.netloc.rpartition("@")
    username, _, password = credentials.partition(":") if credentials else ("", "", "")
    sentinels = host_ports(
        hosts,
        DEFAULT_SENTINEL_PORT,
        where=_shown(url),
        fix="list the Sentinels as host:26379,host2:26379",
    )
    path = [segment for segment in parts.path.split("/") if segment]
    if not path or len(path) > 2:
        raise ValueError(
            f"{_shown(url)}: name the Sentinel service (the master's name) and optionally the "
            "database after the hosts, e.g. redis+sentinel://sentinel:26379/mymaster/0"
        )
    db = path[1] if len(path) == 2 else "0"
    if not db.isdigit():
        raise ValueError(f"{_shown(url)}: database {db!r} is not a number; e.g. /mymaster/0")
    query = parse_qs(parts.query)
    return SentinelTarget(
        sentinels=tuple(sentinels),
        service=unquote(path[0]),
        db=int(db),
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_password=next(iter(query.get("sentinel_password", [])), None),
        tls=parts.scheme == "rediss+sentinel",
    )


def redis_from_url(
    url: str,
    *,
    max_connections: int | None = None,
    pool_timeout: float | None = None,
    **options: Any,
) -> Redis:
    """A client for ``url`` (see the module docstring). ``options`` are redis-py connection
    options (socket timeouts, retry, single_connection_client). With ``max_connections`` a
    plain URL gets a blocking pool that waits ``pool_timeout`` seconds for a free connection."""
    check_redis_url(url)
    if is_cluster_url(url):  # Redis Cluster: see autcloud.gateway.redis_cluster
        return cluster_from_url(url, default_password=os.environ.get(ENV_REDIS_PASSWORD), **options)
    if urlsplit(url).scheme in SENTINEL_SCHEMES:
        return _sentinel_client(parse_sentinel_url(url), max_connections, options)
    if not urlsplit(url).password and os.environ.get(ENV_REDIS_PASSWORD):
        options.setdefault("password", os.environ[ENV_REDIS_PASSWORD])
    if max_connections is None:
        return Redis.from_url(url, **options)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=pool_timeout, **options
    )
    return Redis(connection_pool=pool)


def _sentinel_client(
    target: SentinelTarget, max_connections: int | None, options: dict[str, Any]
) -> Redis:
    single = bool(options.pop("single_connection_client", False))
    password = target.password or os.environ.get(ENV_REDIS_PASSWORD) or None
    tls = {"ssl": True} if target.tls else {}
    sentinel_options: dict[str, Any] = {
        key: options[key] for key in ("socket_connect_timeout", "socket_timeout") if key in options
    }
    sentinel_options |= tls
    if target.sentinel_password:
        sentinel_options["password"] = target.sentinel_password
    sentinel = Sentinel(list(target.sentinels), sentinel_kwargs=sentinel_options)  # type: ignore[no-untyped-call]
    if max_connections is not None:
        options["max_connections"] = max_connections  # a SentinelConnectionPool does not block
    pool = SentinelConnectionPool(  # type: ignore[no-untyped-call]
        target.service,
        sentinel,
        is_master=True,
        db=target.db,
        username=target.username,
        password=password,
        **tls,
        **options,
    )
    client = Redis(connection_pool=pool, single_connection_client=single)
    client.auto_close_connection_pool = True  # the client owns its pool, as Redis.from_url's does
    return client


def _shown(url: str) -> str:
    """The URL with its password masked, for error messages (never log a password)."""
    parts = urlsplit(url)
    if parts.password is None:
        return repr(url)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return repr(parts._replace(netloc=netloc).geturl())
