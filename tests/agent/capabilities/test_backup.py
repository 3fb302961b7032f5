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


def test_a_stated_clock_time_schedules_the_backups() -> None:
    module, ledger = _design(
        "App with a Postgres RDS instance. Use AWS Backup to back it up daily at 03:00 UTC and keep each backup 35 days."
    )
    rule = module.resources["aws_backup_plan"]["main"]["rule"][0]
    assert module.variables["backup_schedule"]["default"] == "cron(0 3 * * ? *)"
    assert rule["schedule"] == "${var.backup_schedule}"
    assert ledger["backup.schedule"]["status"] == "honored"


def test_a_korean_clock_time_runs_in_korea_time() -> None:
    module, ledger = _design(
        "RDS 백업을 AWS Backup으로, 매일 새벽 3시(KST)에 백업하고 35일 보관. 서울 리전."
    )
    rule = module.resources["aws_backup_plan"]["main"]["rule"][0]
    assert rule["schedule_expression_timezone"] == "Asia/Seoul"
    assert ledger["backup.timezone"]["status"] == "honored"


def test_a_stated_tag_selects_the_resources() -> None:
    module, ledger = _design(
        "AWS Backup daily backups of everything tagged backup=true, retained 30 days."
    )
    tag = module.resources["aws_backup_selection"]["data"]["selection_tag"][0]
    assert (tag["key"], tag["value"]) == ("backup", "true")
    assert module.variables["backup_retention_days"]["default"] == 30
    assert ledger["backup.selection_tag"]["status"] == "honored"


CROSS = (
    "In Singapore: AWS Backup for our DynamoDB tables. Daily backups kept 35 days, weekly backups "
    "kept 1 year, and every backup copied to a vault in Sydney (ap-southeast-2)."
)


def test_weekly_backups_get_their_own_rule_and_retention() -> None:
    module, ledger = _design(CROSS)
    rules = module.resources["aws_backup_plan"]["main"]["rule"]
    weekly = next(r for r in rules if r["rule_name"] == "weekly")
    assert weekly["lifecycle"][0]["delete_after"] == 365
    assert module.variables["backup_retention_days"]["default"] == 35
    assert ledger["backup.weekly_retention_days"]["status"] == "honored"


def test_backups_are_copied_to_a_vault_in_the_named_region() -> None:
    module, ledger = _design(CROSS)
    vault = module.resources["aws_backup_vault"]["dr"]
    assert vault["provider"] == "${aws.dr_ap_southeast_2}"
    rule = module.resources["aws_backup_plan"]["main"]["rule"][0]
    assert rule["copy_action"][0]["destination_vault_arn"] == "${aws_backup_vault.dr.arn}"
    assert ledger["backup.copy_region"]["status"] == "honored"


def test_with_a_tag_selection_the_designs_data_stores_carry_the_tag() -> None:
    module, _ = _design(
        "ECS 웹 서비스, RDS PostgreSQL. AWS Backup 매일 백업, 대상은 태그 backup=daily 붙은 리소스."
    )
    assert module.resources["aws_db_instance"]["main"]["tags"]["backup"] == "daily"
