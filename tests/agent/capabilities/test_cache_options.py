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
