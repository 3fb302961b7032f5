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


GLUE_JOB = (
    "Glue ETL in Ireland: a PySpark job on Glue 4.0 with 10 G.1X workers that runs at 01:30 UTC "
    "every night, reading the raw lake and writing Parquet; a crawler catalogs it."
)


def test_a_glue_job_is_built_with_the_stated_version_and_workers() -> None:
    module, ledger = _design(GLUE_JOB)
    job = module.resources["aws_glue_job"]["etl"]
    assert job["glue_version"] == "4.0"
    assert job["worker_type"] == "G.1X"
    assert job["number_of_workers"] == 10
    assert "aws_s3_bucket.data_lake.bucket" in job["command"][0]["script_location"]
    assert ledger["glue.workers"]["status"] == "honored"


def test_a_glue_job_runs_on_a_utc_trigger_at_the_stated_time() -> None:
    module, _ = _design(GLUE_JOB)
    trigger = module.resources["aws_glue_trigger"]["etl"]
    assert trigger["type"] == "SCHEDULED"
    assert trigger["schedule"].startswith("cron(30 1 ")


def test_a_korean_clock_time_moves_to_utc_for_the_glue_trigger() -> None:
    module, _ = _design("Glue ETL 잡으로 매일 새벽 1시에 파케이 변환해서 curated 버킷에 저장")
    assert module.resources["aws_glue_trigger"]["etl"]["schedule"].startswith("cron(0 16 ")


def test_a_crawler_alone_builds_no_glue_job() -> None:
    module, _ = _design("Glue crawler over the S3 lake and an Athena workgroup in Seoul")
    assert "aws_glue_job" not in module.resources


def test_a_named_results_bucket_is_spelled_out_in_the_athena_output_location() -> None:
    module, _ = _design(
        "Athena 워크그룹(쿼리 결과는 athena-results 버킷)으로 조회합니다. Glue 크롤러. 서울 리전."
    )
    workgroup = module.resources["aws_athena_workgroup"]["analytics"]
    location = workgroup["configuration"][0]["result_configuration"][0]["output_location"]
    assert location == "s3://athena-results/results/"
