import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


EN = "web api on containers with a Valkey cache in cluster mode, 3 shards"
KO = "웹 서비스, 레디스 캐시 클러스터 모드, 샤드 3개"


def _group(module: TerraformModule) -> dict[str, Any]:
    group: dict[str, Any] = module.resources["aws_elasticache_replication_group"]["main"]
    return group


def test_valkey_in_cluster_mode_has_the_stated_shards() -> None:
    module, ledger = _design(EN)
    group = _group(module)
    assert group["engine"] == "valkey"
    assert group["num_node_groups"] == 3
    assert group["parameter_group_name"] == "default.valkey8.cluster.on"
    assert "num_cache_clusters" not in group
    assert ledger["cache.shards"]["status"] == "honored"
    assert ledger["service.valkey"]["status"] == "honored"


def test_the_application_reads_the_configuration_endpoint_in_cluster_mode() -> None:
    module, _ = _design(EN)
    text = str(module.resources["aws_ecs_task_definition"])
    assert "configuration_endpoint_address" in text
    assert "primary_endpoint_address" not in text


def test_a_korean_request_builds_cluster_mode_with_the_stated_shards() -> None:
    module, ledger = _design(KO)
    assert _group(module)["num_node_groups"] == 3
    assert ledger["cache.shards"]["status"] == "honored"


def test_memcached_replaces_the_replication_group_and_opens_its_port() -> None:
    module, _ = _design("web api on containers with a memcached cache")
    assert "aws_elasticache_replication_group" not in module.resources
    assert module.resources["aws_elasticache_cluster"]["main"]["engine"] == "memcached"
    assert (
        module.resources["aws_vpc_security_group_ingress_rule"]["cache_from_app"]["from_port"]
        == 11211
    )
    assert "aws_elasticache_cluster.main.cluster_address" in str(
        module.resources["aws_ecs_task_definition"]
    )


def test_a_cache_not_asked_for_options_stays_redis_with_one_node_group() -> None:
    module, _ = _design("web api on containers with a redis cache")
    group = _group(module)
    assert group["engine"] == "redis"
    assert "num_node_groups" not in group


def test_shards_of_something_else_are_not_the_caches() -> None:
    from autcloud.agent.capabilities.cache_options import CAPABILITIES

    shards = CAPABILITIES[0].parameters[0]
    assert list(shards.read("a kinesis stream with 3 shards")) == []


def test_a_memcached_cluster_has_the_stated_node_count() -> None:
    module, ledger = _design(
        "PHP app in Ireland with MySQL and a memcached cluster of 3 cache.t4g.small nodes for sessions."
    )
    assert module.resources["aws_elasticache_cluster"]["main"]["num_cache_nodes"] == 3
    assert ledger["cache.nodes"]["status"] == "honored"


def test_a_korean_memcached_node_count_is_read() -> None:
    module, _ = _design(
        "세션 저장용으로 멤캐시드(Memcached) 노드 2개 필요해요. 웹서버는 ECS. 싱가폴 리전."
    )
    assert module.resources["aws_elasticache_cluster"]["main"]["num_cache_nodes"] == 2


def test_shards_with_replicas_each_set_the_cluster_shape() -> None:
    module, ledger = _design(
        "Web app with Redis with cluster mode enabled: 3 shards with 2 replicas each. Singapore."
    )
    group = module.resources["aws_elasticache_replication_group"]["main"]
    assert (group["num_node_groups"], group["replicas_per_node_group"]) == (3, 2)
    assert ledger["cache.replicas"]["status"] == "honored"


SERVERLESS = (
    "Add a serverless ElastiCache for Valkey cache for our API's sessions. Cap it at 5 GB of data."
)


def test_serverless_cache_replaces_the_replication_group() -> None:
    module, _ = _design(SERVERLESS)
    assert "aws_elasticache_replication_group" not in module.resources
    cache = module.resources["aws_elasticache_serverless_cache"]["main"]
    assert cache["engine"] == "valkey"


def test_serverless_cache_carries_the_stated_data_cap() -> None:
    module, ledger = _design(SERVERLESS)
    cache = module.resources["aws_elasticache_serverless_cache"]["main"]
    assert cache["cache_usage_limits"][0]["data_storage"][0]["maximum"] == 5
    assert ledger["cache.max_data_gb"]["status"] == "honored"


def test_korean_serverless_cache_is_built() -> None:
    module, _ = _design(
        "API 서버의 세션 저장소로 레디스 캐시를 쓰는데, 일래스티캐시 서버리스(valkey)로 해주세요. "
        "데이터는 최대 5GB로 제한."
    )
    assert "aws_elasticache_serverless_cache" in module.resources
