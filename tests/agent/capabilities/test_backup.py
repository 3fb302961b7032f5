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


EN = "A web app on ECS with Aurora PostgreSQL and DynamoDB; keep backups 35 days"
KO = "MySQL 쓰는 웹 서비스, 백업 30일 보관"


def test_an_english_request_keeps_backups_for_the_stated_days() -> None:
    module, ledger = _design(EN)
    assert module.variables["backup_retention_days"]["default"] == 35
    assert ledger["backup.retention_days"]["status"] == "honored"
    assert _evidence(ledger["backup.retention_days"]) == ["aws_backup_plan.main"]


def test_the_selection_names_the_designs_databases_by_arn() -> None:
    module, _ = _design(EN)
    resources = module.resources["aws_backup_selection"]["data"]["resources"]
    assert "${aws_rds_cluster.main.arn}" in resources
    assert "${aws_dynamodb_table.main.arn}" in resources


def test_the_vault_is_encrypted_with_the_customer_managed_key() -> None:
    module, _ = _design(EN)
    assert module.resources["aws_backup_vault"]["main"]["kms_key_arn"] == "${aws_kms_key.main.arn}"


def test_a_korean_request_keeps_backups_for_the_stated_days() -> None:
    module, ledger = _design(KO)
    assert module.variables["backup_retention_days"]["default"] == 30
    assert (
        "${aws_db_instance.main.arn}"
        in module.resources["aws_backup_selection"]["data"]["resources"]
    )
    assert ledger["service.backup"]["status"] == "honored"


def test_a_request_not_naming_backups_builds_no_plan() -> None:
    module, _ = _design("A web app on ECS with PostgreSQL")
    assert "aws_backup_plan" not in module.resources
