"""Redis Cluster (ElastiCache cluster mode, open-source Redis Cluster): the URL and the client.

``redis+cluster://[[user]:password@]host:port[,host2:port2...][/0]`` — any nodes of the
cluster as seeds; the client learns the rest (``CLUSTER SLOTS``) and follows ``MOVED``/``ASK``
redirects, so resharding and a master's failover to its replica are followed.
``rediss+cluster://`` speaks TLS (``?ssl_ca_certs=/path/ca.crt``, ``?ssl_cert_reqs=none``).
A cluster has only database 0. A password in the URL is percent-encoded; without one, the
caller passes ``$AUTCLOUD_REDIS_PASSWORD`` (``autcloud.gateway.redis_url`` does).

What cluster mode changes in AutCloud (docs/streaming.md "Redis Cluster"): nothing of the
data. Every multi-key command (the gateway's enqueue script, the inbox's MULTI blocks) uses
keys of one slot — the requests stream's, through ``autcloud.events.slot_companion`` — and
each design's events stream is a key of its own. Two readers differ: the gateway's hub polls
(one ``XREAD`` per slot, pipelined; a blocking ``XREAD`` cannot span slots) and the event
publisher writes one transaction per design's stream.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import ConnectionError, RedisClusterException, SlotNotCoveredError

CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
DEFAULT_PORT = 6379
EXAMPLE = "redis+cluster://node-1:6379,node-2:6379"
# Options of a single-node client that a cluster client has no use for.
_SINGLE_NODE_ONLY = ("single_connection_client", "pool_timeout", "max_connections")
_TLS_QUERY = ("ssl_ca_certs", "ssl_cert_reqs", "ssl_certfile", "ssl_keyfile")


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def is_cluster(client: object) -> bool:
    """True for a client opened from a cluster URL (typed ``Redis``, see ``cluster_from_url``)."""
    return isinstance(client, RedisCluster)


def host_ports(hosts: str, default_port: int, *, where: str, fix: str) -> list[tuple[str, int]]:
    """The comma-separated ``HOST[:PORT]`` list of a Redis URL (an IPv6 host in brackets),
    ``default_port`` where an entry names none; ValueError names the entry, ``where`` it
    stands and the ``fix``."""
    addresses: list[tuple[str, int]] = []
    for address in hosts.split(","):
        host, sep, port = address.rpartition(":")
        if not sep:
            host, port = address, str(default_port)
        host = host.strip("[]")
        if not host or not port.isdigit():
            raise ValueError(f"{where}: {address!r} is not HOST:PORT; {fix}")
        addresses.append((host, int(port)))
    return addresses


def cluster_seeds(url: str) -> list[tuple[str, int]]:
    """The seed nodes of a ``redis+cluster://`` URL; ValueError names the fix."""
    parts = urlsplit(url)
    if parts.scheme not in CLUSTER_SCHEMES:
        raise ValueError(f"a Redis Cluster URL starts with redis+cluster://; e.g. {EXAMPLE}")
    hosts = parts.netloc.rpartition("@")[2]
    seeds = host_ports(
        hosts, DEFAULT_PORT, where="Redis Cluster URL", fix=f"list seed nodes as {EXAMPLE}"
    )
    database = parts.path.strip("/")
    if database not in ("", "0"):
        raise ValueError(
            f"Redis Cluster URL: database {database!r} — a cluster has only database 0; "
            "drop the path or write /0"
        )
    return seeds


class _Cluster(RedisCluster):
    """redis-py's cluster client, with two changes that make it behave like ``Redis`` here.

    - It learns the cluster's layout before the first command. Unchanged, redis-py 7.4 works
      out a command's slot on a seed node before that, and concurrent first commands then
      share a connection and fail (``'NoneType' object has no attribute 'writelines'``).
    - A cluster it cannot reach (no seed answers, or a slot no node serves) raises
      ``redis.exceptions.ConnectionError``, as an unreachable Redis does, instead of
      ``RedisClusterException`` (not a ``RedisError``), so every caller's outage handling —
      retry with backoff, answer 503 — holds for a cluster too. A cross-slot command is still
      ``RedisClusterException``: a bug, not an outage.
    """

    async def initialize(self) -> RedisCluster:
        try:
            return await super().initialize()
        except RedisClusterException as exc:
            raise ConnectionError(f"Redis Cluster unreachable: {exc}") from exc

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if self._initialize:
            await self.initialize()
        try:
            return await super().execute_command(*args, **kwargs)
        except SlotNotCoveredError as exc:
            raise ConnectionError(f"Redis Cluster unavailable: {exc}") from exc


def cluster_from_url(url: str, *, default_password: str | None = None, **options: Any) -> Redis:
    """A cluster client for ``url``; ``options`` are redis-py connection options.

    Typed as ``Redis``: ``RedisCluster`` offers the same command methods, and every caller
    takes either; the two places that differ ask :func:`is_cluster`.
    """
    parts = urlsplit(url)
    seeds = cluster_seeds(url)
    for name in _SINGLE_NODE_ONLY:
        options.pop(name, None)
    credentials = parts.netloc.rpartition("@")[0]
    username, _, password = credentials.partition(":")
    if parts.scheme == "rediss+cluster":
        options["ssl"] = True
        query = parse_qs(parts.query)
        for name in _TLS_QUERY:
            if name in query:
                options[name] = query[name][0]
    client = _Cluster(
        startup_nodes=[ClusterNode(host, port) for host, port in seeds],
        username=unquote(username) or None,
        password=unquote(password) or default_password or None,
        **options,
    )
    return cast(Redis, client)
