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


EN = "web api with s3 uploads; keep raw data 7 years and move to Glacier after 30 days"
KO = "웹 서비스, 파일 업로드. 원본 데이터 7년 보관, 30일 후 Glacier로 이동"
PLAIN = "web api with s3 uploads"


def _rule(module: TerraformModule, bucket: str) -> dict[str, Any]:
    rule: dict[str, Any] = module.resources["aws_s3_bucket_lifecycle_configuration"][bucket][
        "rule"
    ][0]
    return rule


def test_an_english_request_expires_data_after_the_stated_years_and_moves_it_to_glacier() -> None:
    module, _ = _design(EN)
    rule = _rule(module, "assets")
    assert rule["expiration"][0]["days"] == 2555
    assert rule["transition"][0] == {"days": 30, "storage_class": "GLACIER"}


def test_a_korean_request_sets_the_same_retention() -> None:
    module, _ = _design(KO)
    rule = _rule(module, "assets")
    assert rule["expiration"][0]["days"] == 2555
    assert rule["transition"][0]["storage_class"] == "GLACIER"


def test_the_parameters_are_honored_on_the_data_bucket() -> None:
    _, ledger = _design(EN)
    for key in ("s3.expiration_days", "s3.transition_days", "s3.transition_class"):
        assert ledger[key]["status"] == "honored"
        assert _evidence(ledger[key]) == ["aws_s3_bucket_lifecycle_configuration.assets"]


def test_log_buckets_keep_their_own_lifecycle() -> None:
    module, _ = _design(EN)
    assert "expiration" not in _rule(module, "access_logs")


def test_a_request_stating_no_retention_keeps_the_default_rule() -> None:
    module, _ = _design(PLAIN)
    rule = _rule(module, "assets")
    assert "expiration" not in rule
    assert rule["transition"][0]["storage_class"] == "STANDARD_IA"


def test_log_retention_words_are_not_read_as_object_expiry() -> None:
    from autcloud.agent.capabilities.s3_lifecycle import read_expiration

    assert list(read_expiration("keep logs 90 days")) == []
    assert list(read_expiration("로그는 90일 후 삭제")) == []
    assert [v for _, v in read_expiration("delete uploads after 6 months")] == [180]


def _any_rule(module: TerraformModule, bucket: str) -> dict[str, Any]:
    rule: dict[str, Any] = module.resources["aws_s3_bucket_lifecycle_configuration"][bucket][
        "rule"
    ][0]
    return rule


def test_data_that_must_be_kept_some_years_expires_after_them() -> None:
    module, ledger = _design("A web API with S3 uploads. Raw data must be kept 7 years.")
    assert _any_rule(module, "assets")["expiration"][0]["days"] == 2555
    assert ledger["s3.expiration_days"]["status"] == "honored"


def test_objects_move_to_intelligent_tiering_right_away() -> None:
    module, ledger = _design(
        "A web API with S3 uploads. Move objects to Intelligent-Tiering right away and delete them after 2 years."
    )
    rule = _any_rule(module, "assets")
    assert rule["transition"][0] == {"days": 0, "storage_class": "INTELLIGENT_TIERING"}
    assert rule["expiration"][0]["days"] == 730
    assert ledger["s3.transition_class"]["status"] == "honored"


def test_a_korean_keep_then_delete_sets_the_expiration() -> None:
    module, ledger = _design("웹 서비스, S3 업로드. 계약서는 5년 보관 후 삭제.")
    assert _any_rule(module, "assets")["expiration"][0]["days"] == 1825
    assert ledger["s3.expiration_days"]["status"] == "honored"


def test_logs_that_expire_shape_the_trail_bucket_not_the_data_bucket() -> None:
    module, ledger = _design(
        "CloudTrail for the account in Ireland writing to a dedicated bucket, logs expire after 400 days. A web API with S3 uploads."
    )
    assert _any_rule(module, "trail")["expiration"][0]["days"] == 400
    assert "expiration" not in _any_rule(module, "assets")
    assert ledger["s3.log_expiration_days"]["status"] == "honored"


def test_earlier_versions_are_deleted_after_the_stated_days() -> None:
    module, ledger = _design(
        "웹 서비스 S3 업로드 버킷, 원본 버킷은 30일 지난 이전 버전 삭제하고요."
    )
    rule = _any_rule(module, "assets")
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 30
    assert ledger["s3.noncurrent_days"]["status"] == "honored"
