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


EN = "web api with PostgreSQL 15 and 2 read replicas"
KO = "웹 서비스, 포스트그레스 16, 읽기 전용 복제본 2개"
SERVERLESS = "web api with Aurora Serverless v2 PostgreSQL, max 16 ACU"


def test_the_stated_version_sets_the_parameter_group_family() -> None:
    module, ledger = _design(EN)
    assert module.resources["aws_db_instance"]["main"]["engine_version"] == "15"
    assert module.resources["aws_db_parameter_group"]["main"]["family"] == "postgres15"
    assert ledger["db.engine_version"]["status"] == "honored"


def test_read_replicas_replicate_the_database_encrypted_and_private() -> None:
    module, ledger = _design(EN)
    replica = module.resources["aws_db_instance"]["replica"]
    assert "aws_db_instance.main.identifier" in replica["replicate_source_db"]
    assert replica["storage_encrypted"] is True
    assert replica["publicly_accessible"] is False
    assert module.variables["db_read_replica_count"]["default"] == 2
    assert _evidence(ledger["db.read_replicas"]) == ["aws_db_instance.replica"]


def test_a_korean_request_sets_the_version_and_replicas() -> None:
    module, ledger = _design(KO)
    assert module.resources["aws_db_parameter_group"]["main"]["family"] == "postgres16"
    assert module.variables["db_read_replica_count"]["default"] == 2
    assert ledger["db.read_replicas"]["status"] == "honored"


def test_aurora_serverless_v2_scales_in_acus_on_serverless_instances() -> None:
    module, ledger = _design(SERVERLESS)
    scaling = module.resources["aws_rds_cluster"]["main"]["serverlessv2_scaling_configuration"][0]
    assert (scaling["min_capacity"], scaling["max_capacity"]) == (0.5, 16)
    assert module.variables["db_instance_class"]["default"] == "db.serverless"
    assert ledger["service.aurora_serverless"]["status"] == "honored"
    assert ledger["aurora.max_acu"]["status"] == "honored"


def test_aurora_read_replicas_are_reader_instances() -> None:
    module, ledger = _design("web api with aurora mysql 8.0 and 2 read replicas")
    assert module.variables["aurora_instance_count"]["default"] == 3
    assert (
        module.resources["aws_rds_cluster_parameter_group"]["main"]["family"] == "aurora-mysql8.0"
    )
    assert ledger["db.read_replicas"]["status"] == "honored"


def test_mariadb_switches_the_engine_and_family() -> None:
    module, _ = _design("web api on MariaDB")
    assert module.resources["aws_db_instance"]["main"]["engine"] == "mariadb"
    assert module.resources["aws_db_parameter_group"]["main"]["family"] == "mariadb10.11"


def test_a_request_not_naming_versions_keeps_the_defaults() -> None:
    module, _ = _design("web api with postgres")
    assert module.resources["aws_db_parameter_group"]["main"]["family"] == "postgres16"
    assert "replica" not in module.resources["aws_db_instance"]


def test_a_range_between_two_acu_values_sets_both_bounds() -> None:
    module, ledger = _design(
        "SaaS in Tokyo on ECS. Aurora Serverless v2 (MySQL compatible) scaling between 0.5 and 16 ACUs."
    )
    scaling = module.resources["aws_rds_cluster"]["main"]["serverlessv2_scaling_configuration"][0]
    assert (scaling["min_capacity"], scaling["max_capacity"]) == (0.5, 16)
    assert ledger["aurora.max_acu"]["status"] == "honored"


def test_korean_acu_bounds_followed_by_a_particle_are_read() -> None:
    module, _ = _design(
        "DB는 오로라 서버리스 v2 MySQL, 최소 0.5 ACU, 최대 16 ACU로 잡고. 시드니 리전."
    )
    scaling = module.resources["aws_rds_cluster"]["main"]["serverlessv2_scaling_configuration"][0]
    assert scaling["max_capacity"] == 16


def test_a_writer_and_readers_set_the_aurora_instance_count() -> None:
    module, ledger = _design(
        "ECS 서비스, Aurora PostgreSQL 15 클러스터, 인스턴스는 db.r6g.xlarge 3대(라이터 1, 리더 2). 서울 리전."
    )
    assert module.variables["aurora_instance_count"]["default"] == 3
    assert ledger["aurora.instance_count"]["status"] == "honored"


def test_stated_automated_backup_days_set_the_retention_period() -> None:
    module, ledger = _design("ECS 웹 서비스, RDS MariaDB 10.11, 자동 백업 7일. 서울 리전.")
    assert module.resources["aws_db_instance"]["main"]["backup_retention_period"] == 7
    assert ledger["db.backup_retention_days"]["status"] == "honored"


def test_the_rds_data_api_turns_on_the_clusters_http_endpoint() -> None:
    module, ledger = _design(
        "GraphQL API whose resolvers talk to an Aurora PostgreSQL Serverless v2 cluster through the RDS Data API, Ohio."
    )
    assert module.resources["aws_rds_cluster"]["main"]["enable_http_endpoint"] is True
    assert ledger["service.rds_data_api"]["status"] == "honored"
