import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.s3_names import read_names
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _names(module: TerraformModule) -> set[str]:
    return {str(b.get("bucket")) for b in module.resources["aws_s3_bucket"].values()}


EN = 'An API on Lambda that stores uploads in the "contracts-inbox" bucket, in Ireland'
KO = "S3 버킷 genome-raw-data 에 원본을 올리는 웹 서비스, 오레곤 리전"


def test_an_english_quoted_bucket_name_names_the_data_bucket() -> None:
    module, ledger = _design(EN)
    assert "contracts-inbox" in _names(module)
    assert ledger["s3.bucket_names"]["status"] == "honored"


def test_a_korean_bucket_name_names_the_data_bucket() -> None:
    module, ledger = _design(KO)
    assert "genome-raw-data" in _names(module)
    assert ledger["s3.bucket_names"]["status"] == "honored"


def test_a_named_bucket_has_no_generated_prefix() -> None:
    module, _ = _design(EN)
    named = next(
        b
        for b in module.resources["aws_s3_bucket"].values()
        if b.get("bucket") == "contracts-inbox"
    )
    assert "bucket_prefix" not in named


def test_two_s3_urls_name_two_buckets() -> None:
    module, ledger = _design("A web app that reads s3://acme-raw and writes s3://acme-curated")
    assert {"acme-raw", "acme-curated"} <= _names(module)
    assert ledger["s3.bucket_names"]["status"] == "honored"


def test_plain_words_before_bucket_are_not_names() -> None:
    assert list(read_names("a raw S3 bucket and a media bucket")) == []


def test_a_request_naming_no_bucket_keeps_generated_names() -> None:
    module, ledger = _design("A web API with uploads to S3 in Seoul")
    assert "s3.bucket_names" not in ledger
    assert all("bucket_prefix" in b for b in module.resources["aws_s3_bucket"].values())
