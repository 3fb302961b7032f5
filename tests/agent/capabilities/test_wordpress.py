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


EN = "A WordPress site on containers with MySQL"
KO = "워드프레스를 컨테이너로 띄우고 MySQL 데이터베이스 연결"


def test_an_english_request_mounts_wp_content_from_efs_over_tls() -> None:
    module, _ = _design(EN)
    volume = next(
        v
        for v in module.resources["aws_ecs_task_definition"]["app"]["volume"]
        if v["name"] == "shared"
    )
    efs = volume["efs_volume_configuration"][0]
    assert efs["transit_encryption"] == "ENABLED"
    assert "aws_efs_access_point.shared" in str(efs["authorization_config"])
    point = module.resources["aws_efs_access_point"]["shared"]
    assert point["root_directory"][0]["path"] == "/wp-content"
    assert point["posix_user"][0]["uid"] == 33  # www-data in the official image
    container = str(module.resources["aws_ecs_task_definition"]["app"]["container_definitions"])
    assert "/var/www/html/wp-content" in container


def test_the_file_system_is_encrypted_with_the_project_key() -> None:
    module, _ = _design(EN)
    file_system = next(iter(module.resources["aws_efs_file_system"].values()))
    assert file_system["encrypted"] is True


def test_the_service_runs_the_official_wordpress_image_on_port_80() -> None:
    module, _ = _design(EN)
    assert module.variables["container_image"]["default"].startswith("wordpress:")
    assert module.variables["container_port"]["default"] == 80


def test_a_korean_request_builds_wordpress() -> None:
    module, _ = _design(KO)
    assert list(module.resources["aws_efs_access_point"]) == [
        "shared"
    ]  # one file system, one way in
    assert (
        module.resources["aws_efs_access_point"]["shared"]["root_directory"][0]["path"]
        == "/wp-content"
    )


def test_the_ledger_honors_wordpress_with_the_task_definition_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.wordpress"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == ["aws_ecs_task_definition.app"]


def test_a_request_not_naming_wordpress_mounts_no_shared_file_system() -> None:
    module, _ = _design("A containerised web API with MySQL")
    volumes = module.resources["aws_ecs_task_definition"]["app"].get("volume", [])
    assert "efs_volume_configuration" not in repr(volumes)  # only task scratch space (/tmp)
