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


EN = "A web API on ECS with Aurora PostgreSQL behind an RDS Proxy, in Seoul"
KO = "ECS 웹 서비스, Aurora PostgreSQL, 커넥션 관리를 위해 RDS Proxy 앞에 두고. 서울 리전"


def test_an_english_request_puts_a_proxy_in_front_of_the_cluster() -> None:
    module, ledger = _design(EN)
    target = module.resources["aws_db_proxy_target"]["main"]
    assert target["db_cluster_identifier"] == "${aws_rds_cluster.main.cluster_identifier}"
    assert ledger["service.rds_proxy"]["status"] == "honored"


def test_a_korean_request_puts_a_proxy_in_front_of_the_cluster() -> None:
    module, ledger = _design(KO)
    assert module.resources["aws_db_proxy"]["main"]["engine_family"] == "POSTGRESQL"
    assert ledger["service.rds_proxy"]["status"] == "honored"


def test_the_proxy_requires_tls_and_reads_the_database_secret() -> None:
    module, _ = _design(EN)
    proxy = module.resources["aws_db_proxy"]["main"]
    assert proxy["require_tls"] is True
    assert "master_user_secret" in proxy["auth"][0]["secret_arn"]


def test_the_application_connects_through_the_proxy() -> None:
    module, _ = _design(EN)
    task = module.resources["aws_ecs_task_definition"]["app"]
    assert "aws_db_proxy.main.endpoint" in str(task["container_definitions"])


def test_a_request_without_a_proxy_has_none() -> None:
    module, _ = _design("A web API on ECS with Aurora PostgreSQL in Seoul")
    assert "aws_db_proxy" not in module.resources
