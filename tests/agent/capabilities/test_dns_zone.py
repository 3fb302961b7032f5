import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.dns_zone import _read_zone
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def test_an_english_zone_name_is_read() -> None:
    assert next(iter(_read_zone("(Route 53 zone example.tv, ACM cert)")))[1] == "example.tv"


def test_a_korean_hosted_zone_name_is_read() -> None:
    assert next(iter(_read_zone("Route 53 호스팅 존(example.app)도")))[1] == "example.app"


def test_a_subdomain_app_gets_the_zone_of_its_parent_domain() -> None:
    module, ledger = _design(
        "Static site on S3 with CloudFront at www.lumenly.tv (Route 53 zone lumenly.tv, ACM cert)"
    )
    assert module.resources["aws_route53_zone"]["main"]["name"] == "${var.dns_zone_name}"
    assert module.variables["dns_zone_name"]["default"] == "lumenly.tv"
    assert ledger["dns.zone_name"]["status"] == "honored"


def test_a_zone_that_is_not_a_parent_of_the_domain_is_ignored() -> None:
    module, _ = _design(
        "Static site on S3 with CloudFront at www.lumenly.tv (Route 53 zone other.io, ACM cert)"
    )
    assert module.variables["dns_zone_name"]["default"] != "other.io"
