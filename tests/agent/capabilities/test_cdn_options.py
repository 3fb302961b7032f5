import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.cdn_options import _read_price_class
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def test_cheapest_edge_locations_read_as_price_class_100() -> None:
    text = "Only use the cheapest edge locations (North America + Europe)."
    assert next(iter(_read_price_class(text)))[1] == "PriceClass_100"


def test_korean_north_america_and_europe_read_as_price_class_100() -> None:
    assert next(iter(_read_price_class("엣지는 북미와 유럽만 써주세요")))[1] == "PriceClass_100"


def test_a_request_without_edge_locations_reads_no_price_class() -> None:
    assert list(_read_price_class("Static site on S3 with CloudFront")) == []


def test_the_stated_price_class_lands_on_the_distribution_and_is_honored() -> None:
    module, ledger = _design(
        "Static website on S3 served through CloudFront, only the cheapest edge locations"
    )
    assert module.resources["aws_cloudfront_distribution"]["main"]["price_class"] == (
        "PriceClass_100"
    )
    assert ledger["cdn.price_class"]["status"] == "honored"
