"""ElastiCache options as stated, on the core cache (``aws_elasticache_replication_group.main``,
agent/catalog/data.py): the Valkey engine, cluster mode (shards and replicas), Memcached
instead of Redis, or ElastiCache Serverless (with its stated data cap)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities._applies import built_by_first
from autcloud.agent.capabilities.base import Parameter, declare, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, tags
from autcloud.agent.hcl import Block, Call, Expr
from autcloud.agent.ledger import Evidence, attribute_values, holds, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("cache_options")

GROUP = "aws_elasticache_replication_group.main"
REDIS_PORT, MEMCACHED_PORT = 6379, 11211
VALKEY_VERSION, MEMCACHED_VERSION = "8.0", "1.6.22"
DEFAULT_SHARDS, DEFAULT_REPLICAS = 2, 1


def rewrite(value: Any, old: str, new: str) -> Any:
    """A body with every expression's ``old`` reference text changed to ``new``."""
    if isinstance(value, Expr):
        return Expr(value.text.replace(old, new))
    if isinstance(value, Call):
        return Call(value.function, rewrite(value.argument, old, new))
    if isinstance(value, Block):
        value.body = rewrite(value.body, old, new)
        return value
    if isinstance(value, dict):
        return {k: rewrite(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite(v, old, new) for v in value]
    if isinstance(value, tuple):
        return tuple(rewrite(v, old, new) for v in value)
    return value


def repoint(bp: Blueprint, old: str, new: str) -> None:
    """Every resource and output that referred to ``old`` refers to ``new``."""
    for spec in bp.resources:
        spec.body = rewrite(spec.body, old, new)
    bp.outputs = [
        dataclasses.replace(o, value=o.value.replace(old, new)) if old in o.value else o
        for o in bp.outputs
    ]


@dataclass(frozen=True)
class NodesParameter(Parameter):
    """Memcached nodes (``num_cache_nodes``) or Redis/Valkey nodes (``num_cache_clusters``)."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        for rtype, attribute in (
            ("aws_elasticache_cluster", "num_cache_nodes"),
            ("aws_elasticache_replication_group", "num_cache_clusters"),
        ):
            for address, body in instances(module, rtype):
                if any(
                    holds(module, v, "==", value) for v in attribute_values(module, body, attribute)
                ):
                    return [Evidence(address=address, attribute=attribute, op="==", value=value)]
        return []


def _count(match: re.Match[str]) -> int | None:
    """A count stated near cache words ("3 shards" of a Kinesis stream is not the cache's)."""
    near = match.string[max(0, match.start() - 60) : match.end() + 60]
    found = next((g for g in match.groups() if g is not None), None)
    if found is None or not PATTERNS["cache_words"].search(near):
        return None
    return int(found) if 1 <= int(found) <= 500 else None


def _valkey(group: ResourceSpec) -> None:
    group.body["engine"] = "valkey"
    group.body["engine_version"] = VALKEY_VERSION
    group.body["parameter_group_name"] = "default.valkey8"
    group.reason = group.reason.replace("Redis", "Valkey")


def _cluster_mode(bp: Blueprint, ctx: Context, group: ResourceSpec) -> None:
    shards = int(ctx.req.params.get("cache.shards", DEFAULT_SHARDS))
    replicas = int(ctx.req.params.get("cache.replicas", DEFAULT_REPLICAS))
    body = group.body
    body.pop("num_cache_clusters", None)
    body["cluster_mode"] = "enabled"
    body["num_node_groups"] = shards
    body["replicas_per_node_group"] = replicas
    failover = replicas > 0
    body["automatic_failover_enabled"] = True  # cluster mode requires it
    body["multi_az_enabled"] = failover
    engine = str(body.get("engine", "redis"))
    body["parameter_group_name"] = (
        "default.valkey8.cluster.on" if engine == "valkey" else "default.redis7.cluster.on"
    )
    group.unskip("CKV2_AWS_50")
    group.reason = (
        f"{'Valkey' if engine == 'valkey' else 'Redis'} in cluster mode: {shards} shard(s) with "
        f"{replicas} replica(s) each, automatic failover; TLS and encryption at rest."
    )
    repoint(
        bp,
        f"{GROUP}.primary_endpoint_address",
        f"{GROUP}.configuration_endpoint_address",
    )


def _memcached(bp: Blueprint, ctx: Context, group: ResourceSpec) -> None:
    """Memcached: an ``aws_elasticache_cluster`` replaces the replication group, on port 11211."""
    nodes = int(group.body.get("num_cache_clusters", 1) or 1)
    nodes = int(ctx.req.params.get("cache.nodes", nodes))
    bp.resources.remove(group)
    bp.add(
        ResourceSpec(
            "aws_elasticache_cluster",
            "main",
            "data",
            f"Memcached with {nodes} node(s){' across zones' if nodes > 1 else ''}; TLS in transit.",
            {
                "cluster_id": interp("${local.name}-cache"),
                "engine": "memcached",
                "engine_version": MEMCACHED_VERSION,
                "node_type": group.body["node_type"],
                "num_cache_nodes": nodes,
                "az_mode": "cross-az" if nodes > 1 else "single-az",
                "port": MEMCACHED_PORT,
                "parameter_group_name": "default.memcached1.6",
                "subnet_group_name": Expr("aws_elasticache_subnet_group.main.name"),
                "security_group_ids": [Expr("aws_security_group.cache.id")],
                "transit_encryption_enabled": True,
                "auto_minor_version_upgrade": True,
                "tags": tags("cache"),
            },
            comments=(
                "checkov:skip=CKV_AWS_134:Memcached keeps no data worth backing up and has no snapshots",
            ),
            block="elasticache",
        )
    )
    repoint(bp, f"{GROUP}.primary_endpoint_address", "aws_elasticache_cluster.main.cluster_address")
    bp.outputs = [
        dataclasses.replace(
            o, description="DNS name of the Memcached cluster (discovery endpoint)."
        )
        if o.name == "cache_endpoint"
        else o
        for o in bp.outputs
    ]
    # The firewall rules opened the Redis port; Memcached listens on its own.
    for spec in bp.resources:
        if spec.type.startswith("aws_vpc_security_group_") and (
            spec.name.startswith("cache_from_") or spec.name.endswith("_to_cache")
        ):
            for key in ("from_port", "to_port"):
                if spec.body.get(key) == REDIS_PORT:
                    spec.body[key] = MEMCACHED_PORT
            if isinstance(spec.body.get("description"), str):
                spec.body["description"] = spec.body["description"].replace("Redis", "Memcached")
            spec.reason = spec.reason.replace("Redis", "Memcached")


def _nodes(group: ResourceSpec, nodes: int) -> None:
    """A primary and replicas: automatic failover across zones from two nodes."""
    body = group.body
    body["num_cache_clusters"] = nodes
    body["automatic_failover_enabled"] = nodes > 1
    body["multi_az_enabled"] = nodes > 1
    if nodes > 1:
        group.unskip("CKV2_AWS_50")
    group.reason = re.sub(r"with \d+ node\(s\)", f"with {nodes} node(s)", group.reason)


SERVERLESS = "aws_elasticache_serverless_cache.main"
MAX_DATA_KEY = "cache.max_data_gb"
DEFAULT_MAX_DATA_GB = 10


def _max_data(match: re.Match[str]) -> int | None:
    """A data cap stated for a serverless cache ("cap it at 5 GB of data")."""
    if not PATTERNS["serverless"].search(match.string):
        return None
    if not PATTERNS["cache_words"].search(match.string):
        return None
    found = next((g for g in match.groups() if g is not None), None)
    return int(found) if found is not None and 1 <= int(found) <= 5000 else None


def _serverless(bp: Blueprint, ctx: Context, group: ResourceSpec) -> None:
    """ElastiCache Serverless replaces the replication group: it spreads over the data subnets,
    scales by itself up to the stated data cap, and keeps daily snapshots."""
    engine = "valkey" if "valkey" in ctx.req.services else "redis"
    limit = int(ctx.req.params.get(MAX_DATA_KEY) or DEFAULT_MAX_DATA_GB)
    bp.resources.remove(group)
    subnet_group = bp.find("aws_elasticache_subnet_group.main")
    if subnet_group is not None:
        bp.resources.remove(subnet_group)  # a serverless cache takes its subnets directly
    bp.add(
        ResourceSpec(
            "aws_elasticache_serverless_cache",
            "main",
            "data",
            f"ElastiCache Serverless for {'Valkey' if engine == 'valkey' else 'Redis'}: scales by "
            f"itself up to {limit} GB of data, across the data subnets' zones; TLS and KMS "
            "encryption, daily snapshots.",
            {
                "name": interp("${local.name}-cache"),
                "description": interp("${local.name} serverless cache"),
                "engine": engine,
                "major_engine_version": "8" if engine == "valkey" else "7",
                "cache_usage_limits": Block(
                    "cache_usage_limits",
                    body={
                        "data_storage": Block(
                            "data_storage", body={"maximum": limit, "unit": "GB"}
                        ),
                        "ecpu_per_second": Block("ecpu_per_second", body={"maximum": 5000}),
                    },
                ),
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "security_group_ids": [Expr("aws_security_group.cache.id")],
                "subnet_ids": Expr("aws_subnet.data[*].id"),
                "snapshot_retention_limit": 3,
                "daily_snapshot_time": "03:00",
                "tags": tags("cache"),
            },
            block="elasticache",
        )
    )
    repoint(bp, f"{GROUP}.primary_endpoint_address", f"{SERVERLESS}.endpoint[0].address")


def build(bp: Blueprint, ctx: Context) -> None:
    group = bp.require(
        GROUP, "Cache options were asked for, but the design has no cache to apply them to."
    )
    if group is None:
        return
    services = ctx.req.services
    if "memcached" in services:
        _memcached(bp, ctx, group)
        return
    if "cache_serverless" in services:
        _serverless(bp, ctx, group)
        return
    nodes = ctx.req.params.get("cache.nodes")
    if nodes and "cache_cluster_mode" not in services:
        _nodes(group, int(nodes))
    if "valkey" in services:
        _valkey(group)
    if "cache_cluster_mode" in services:
        _cluster_mode(bp, ctx, group)


def _wanted(req: Any) -> bool:
    return any(
        k in req.services
        for k in ("valkey", "cache_cluster_mode", "memcached", "cache_nodes", "cache_serverless")
    )


CAPABILITIES = [
    declare(
        "cache_cluster_mode",
        build=build,
        readers={
            "cache.shards": reader(PATTERNS["shards"], _count),
            "cache.replicas": reader(PATTERNS["replicas"], _count),
        },
        applies=_wanted,
    ),
    declare("valkey", build=build, applies=built_by_first),
    declare("memcached", build=build, applies=built_by_first),
    declare(
        "cache_nodes",
        build=build,
        readers={"cache.nodes": reader(PATTERNS["nodes"], _count)},
        applies=built_by_first,
    ),
    declare(
        "cache_serverless",
        build=build,
        readers={MAX_DATA_KEY: reader(PATTERNS["max_data"], _max_data)},
        applies=built_by_first,
    ),
]
