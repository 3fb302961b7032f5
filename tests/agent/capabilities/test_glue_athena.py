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


EN = "Clickstream data lake with a Glue crawler and Athena queries on AWS"
KO = "글루 크롤러 인프라 구성"


def test_the_crawler_is_added_to_the_core_data_lake_without_duplicates() -> None:
    module, ledger = _design(EN)
    crawler = module.resources["aws_glue_crawler"]["lake"]
    assert "aws_glue_catalog_database.lake" in crawler["database_name"]
    assert "aws_glue_security_configuration.lake" in crawler["security_configuration"]
    assert list(module.resources["aws_athena_workgroup"]) == ["analytics"]
    assert list(module.resources["aws_glue_catalog_database"]) == ["lake"]
    assert _evidence(ledger["service.glue_athena"]) == ["aws_glue_crawler.lake"]


def test_a_korean_request_naming_only_glue_builds_the_catalog_and_workgroup() -> None:
    module, ledger = _design(KO)
    assert "lake" in module.resources["aws_glue_catalog_database"]
    workgroup = module.resources["aws_athena_workgroup"]["analytics"]
    encryption = workgroup["configuration"][0]["result_configuration"][0][
        "encryption_configuration"
    ][0]
    assert encryption["encryption_option"] == "SSE_KMS"
    assert "lake" in module.resources["aws_glue_crawler"]
    assert ledger["service.glue_athena"]["status"] == "honored"


def test_a_request_not_naming_glue_or_athena_builds_no_crawler() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_glue_crawler" not in module.resources
