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


EN = "AWS Batch on Spot instances, capped at 256 vCPUs, one job queue and a job definition."
KO = "AWS Batch로 주간 작업을 돌려요. 잡 정의는 2 vCPU / 4GB, Fargate로."


def test_spot_and_the_vcpu_cap_land_on_the_compute_environment() -> None:
    module, ledger = _design(EN)
    resources = module.resources["aws_batch_compute_environment"]["fargate"]["compute_resources"][0]
    assert resources["type"] == "FARGATE_SPOT"
    assert module.variables["batch_max_vcpus"]["default"] == 256
    assert ledger["batch.spot"]["status"] == "honored"
    assert ledger["batch.max_vcpus"]["status"] == "honored"


def test_the_job_size_lands_on_the_job_definition() -> None:
    module, ledger = _design(KO)
    properties = module.resources["aws_batch_job_definition"]["main"]["container_properties"]
    assert '"4096"' in properties or "4096" in properties
    assert ledger["batch.job_memory_mb"]["status"] == "honored"


def test_a_batch_request_without_spot_keeps_on_demand_fargate() -> None:
    module, _ = _design("AWS Batch jobs with one job queue for nightly reports")
    resources = module.resources["aws_batch_compute_environment"]["fargate"]["compute_resources"][0]
    assert resources["type"] == "FARGATE"


def test_a_failed_job_alert_wires_an_eventbridge_rule_to_the_alerts_topic() -> None:
    module, ledger = _design("AWS Batch job queue on Fargate; if a job fails, alert us via SNS.")
    rule = module.resources["aws_cloudwatch_event_rule"]["batch_job_failed"]
    assert "FAILED" in rule["event_pattern"]
    target = module.resources["aws_cloudwatch_event_target"]["batch_job_failed"]
    assert "aws_sns_topic.alerts" in target["arn"]
    assert ledger["batch.failure_alert"]["status"] == "honored"


def test_batch_without_a_failure_alert_has_no_failure_rule() -> None:
    module, _ = _design("AWS Batch jobs with one job queue for nightly reports")
    assert "batch_job_failed" not in module.resources.get("aws_cloudwatch_event_rule", {})
