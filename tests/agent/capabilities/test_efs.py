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


EN = "ECS containers on AWS sharing an EFS file system"
KO = "컨테이너 여러 개가 공유 스토리지를 쓰는 인프라 구성"


def test_the_file_system_is_encrypted_lifecycled_and_backed_up() -> None:
    module, _ = _design(EN)
    efs = module.resources["aws_efs_file_system"]["shared"]
    assert efs["encrypted"] is True
    assert "aws_kms_key.main" in efs["kms_key_id"]
    assert {"transition_to_ia": "AFTER_30_DAYS"} in efs["lifecycle_policy"]
    backup = module.resources["aws_efs_backup_policy"]["shared"]
    assert backup["backup_policy"][0]["status"] == "ENABLED"


def test_mount_targets_sit_in_the_private_subnets_behind_nfs_from_the_vpc() -> None:
    module, _ = _design(EN)
    target = module.resources["aws_efs_mount_target"]["shared"]
    assert "aws_subnet.private" in target["subnet_id"]
    rule = module.resources["aws_vpc_security_group_ingress_rule"]["efs_nfs_in"]
    assert rule["from_port"] == 2049
    assert "aws_vpc.main.cidr_block" in rule["cidr_ipv4"]
    assert "shared" in module.resources["aws_efs_access_point"]


def test_english_and_korean_requests_are_honored_with_the_file_system() -> None:
    for request in (EN, KO):
        _, ledger = _design(request)
        assert ledger["service.efs"]["status"] == "honored"
        assert _evidence(ledger["service.efs"]) == ["aws_efs_file_system.shared"]


def test_a_request_not_naming_shared_storage_builds_no_file_system() -> None:
    module, _ = _design("ECS containers on AWS with PostgreSQL")
    assert "aws_efs_file_system" not in module.resources


def test_a_stated_access_point_path_roots_the_access_point() -> None:
    module, ledger = _design("ECS app with an EFS file system and an access point at /models")
    point = module.resources["aws_efs_access_point"]["shared"]
    assert point["root_directory"][0]["path"] == "/models"
    assert ledger["efs.access_point_path"]["status"] == "honored"


def test_the_ecs_task_mounts_the_file_system_through_the_access_point() -> None:
    module, _ = _design(EN)
    volume = next(
        v
        for v in module.resources["aws_ecs_task_definition"]["app"]["volume"]
        if v["name"] == "shared"
    )
    config = volume["efs_volume_configuration"][0]
    assert "aws_efs_file_system.shared" in config["file_system_id"]
    assert config["transit_encryption"] == "ENABLED"
    assert "aws_efs_access_point.shared" in config["authorization_config"][0]["access_point_id"]


def test_the_app_tier_may_reach_nfs_on_the_mount_targets() -> None:
    module, _ = _design(EN)
    rule = module.resources["aws_vpc_security_group_egress_rule"]["app_to_efs"]
    assert rule["from_port"] == 2049
