import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]], dict[str, str]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger, result.files


EN = "Primary region Frankfurt. The user-uploads S3 bucket replicates to Paris (store replicas as Standard-IA)."
KO = "서울 리전의 업로드 버킷을 오사카 리전 버킷에 실시간 복제해 주세요. 복제본은 스토리지 클래스 STANDARD_IA로."


def _configuration(module: TerraformModule) -> dict[str, Any]:
    return next(iter(module.resources["aws_s3_bucket_replication_configuration"].values()))


def test_an_english_request_replicates_the_bucket_to_the_named_region() -> None:
    _, ledger, files = _design(EN)
    assert ledger["service.s3_replication"]["status"] == "honored"
    assert ledger["s3.replica_region"]["status"] == "honored"
    assert 'region = "eu-west-3"' in files["providers.tf"].replace("  ", " ").replace("  ", " ")


def test_the_replica_bucket_lives_in_the_other_regions_provider() -> None:
    module, _, _ = _design(EN)
    replica = next(n for n in module.resources["aws_s3_bucket"] if n.endswith("_replica"))
    assert module.resources["aws_s3_bucket"][replica]["provider"] == "${aws.dr_eu_west_3}"


def test_replicas_are_stored_in_the_stated_storage_class() -> None:
    module, ledger, _ = _design(EN)
    rule = _configuration(module)["rule"][0]
    assert rule["destination"][0]["storage_class"] == "STANDARD_IA"
    assert ledger["s3.replica_storage_class"]["status"] == "honored"


def test_replicas_are_encrypted_with_a_key_of_their_region() -> None:
    module, _, _ = _design(EN)
    rule = _configuration(module)["rule"][0]
    key = rule["destination"][0]["encryption_configuration"][0]["replica_kms_key_id"]
    assert key == "${aws_kms_key.dr_eu_west_3.arn}"


def test_a_korean_request_replicates_to_osaka() -> None:
    module, ledger, files = _design(KO)
    assert ledger["service.s3_replication"]["status"] == "honored"
    assert "ap-northeast-3" in files["providers.tf"]
    assert _configuration(module)["rule"][0]["destination"][0]["storage_class"] == "STANDARD_IA"


def test_a_request_without_replication_has_no_second_region() -> None:
    module, _, files = _design("A web API with uploads to S3 in Frankfurt")
    assert "aws_s3_bucket_replication_configuration" not in module.resources
    assert "alias" not in files["providers.tf"]
