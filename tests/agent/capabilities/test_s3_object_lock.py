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


EN = "web api with s3 uploads, object lock compliance mode for 365 days"
KO = "웹 서비스, 파일 업로드, 객체 잠금 90일"


def test_object_lock_retains_objects_for_the_stated_days_in_the_stated_mode() -> None:
    module, ledger = _design(EN)
    lock = module.resources["aws_s3_bucket_object_lock_configuration"]["assets"]
    # 365 days is stated as whole years, the way S3 shows a yearly retention.
    assert lock["rule"][0]["default_retention"][0] == {"mode": "COMPLIANCE", "years": 1}
    assert module.resources["aws_s3_bucket"]["assets"]["object_lock_enabled"] is True
    assert _evidence(ledger["s3.lock_days"]) == ["aws_s3_bucket_object_lock_configuration.assets"]


def test_a_korean_request_locks_objects_in_governance_mode_by_default() -> None:
    module, ledger = _design(KO)
    retention = module.resources["aws_s3_bucket_object_lock_configuration"]["assets"]["rule"][0]
    assert retention["default_retention"][0] == {"mode": "GOVERNANCE", "days": 90}
    assert ledger["service.s3_object_lock"]["status"] == "honored"


def test_a_request_not_naming_it_does_not_lock_objects() -> None:
    module, _ = _design("web api with s3 uploads")
    assert "aws_s3_bucket_object_lock_configuration" not in module.resources


def test_a_retention_in_days_that_is_not_whole_years_stays_in_days() -> None:
    module, ledger = _design(KO)
    lock = next(iter(module.resources["aws_s3_bucket_object_lock_configuration"].values()))
    assert lock["rule"][0]["default_retention"][0]["days"] == 90
    assert ledger["s3.lock_days"]["status"] == "honored"
