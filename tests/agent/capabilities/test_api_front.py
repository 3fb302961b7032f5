"""An API Gateway front door with CloudFront in front of it, or with its own custom domain."""

from __future__ import annotations

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


HTTP_DOMAIN = "Go Lambda behind an API Gateway HTTP API with the custom domain api.orbit.ai. Seoul."
HTTP_CDN = (
    "Serverless JSON API in Tokyo: HTTP API + Lambda, with CloudFront in front on api.fernly.co."
)
REST_CDN_WAF = (
    "공개 API를 API Gateway REST API(리전 엔드포인트) + 람다로 만들고 앞에 CloudFront 둬서 캐싱하려 합니다. "
    "API Gateway 스테이지에는 WAF 붙여주세요. 커스텀 도메인 open.datagil.kr, 인증서는 ACM."
)
REST_DOMAIN = "A REST API on API Gateway with Lambda and DynamoDB, domain api.shop.io, in Ireland."


def test_an_http_api_gets_its_custom_domain_mapped_to_its_stage() -> None:
    module, ledger = _design(HTTP_DOMAIN)
    domain = module.resources["aws_apigatewayv2_domain_name"]["api"]
    assert domain["domain_name"] == "${var.domain_name}"
    assert module.variables["domain_name"]["default"] == "api.orbit.ai"
    configuration = domain["domain_name_configuration"][0]
    assert configuration["endpoint_type"] == "REGIONAL"
    assert configuration["security_policy"] == "TLS_1_2"
    assert "aws_acm_certificate_validation.api" in configuration["certificate_arn"]
    mapping = module.resources["aws_apigatewayv2_api_mapping"]["api"]
    assert "aws_apigatewayv2_api.main" in mapping["api_id"]
    assert "aws_apigatewayv2_stage.default" in mapping["stage"]
    record = module.resources["aws_route53_record"]["api"]
    assert "aws_apigatewayv2_domain_name.api" in record["alias"][0]["name"]
    assert "aws_cloudfront_distribution" not in module.resources
    assert ledger["domain"]["status"] == "honored"


def test_cloudfront_in_front_of_an_http_api_carries_the_domain_and_forwards_no_host() -> None:
    module, ledger = _design(HTTP_CDN)
    distribution = module.resources["aws_cloudfront_distribution"]["main"]
    origin = distribution["origin"][0]
    assert "aws_apigatewayv2_api.main.api_endpoint" in origin["domain_name"]
    assert origin["custom_origin_config"][0]["origin_protocol_policy"] == "https-only"
    behaviour = distribution["default_cache_behavior"][0]
    assert behaviour["target_origin_id"] == "api"
    assert behaviour["origin_request_policy_id"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert distribution["aliases"] == ["${var.domain_name}"]
    certificate = module.resources["aws_acm_certificate"]["cdn"]
    assert "subject_alternative_names" not in certificate  # no www. form of an API host
    assert "aws_apigatewayv2_domain_name" not in module.resources
    assert ledger["feature.cdn"]["status"] == "honored"


def test_cloudfront_in_front_of_a_rest_api_uses_its_stage_and_leaves_the_waf_on_the_stage() -> None:
    module, ledger = _design(REST_CDN_WAF)
    distribution = module.resources["aws_cloudfront_distribution"]["main"]
    origin = distribution["origin"][0]
    assert "aws_api_gateway_rest_api.main.id" in origin["domain_name"]
    assert "aws_api_gateway_stage.main.stage_name" in origin["origin_path"]
    assert "web_acl_id" not in distribution
    association = next(iter(module.resources["aws_wafv2_web_acl_association"].values()))
    assert "aws_api_gateway_stage.main" in association["resource_arn"]
    assert ledger["feature.cdn"]["status"] == "honored"


def test_a_rest_api_gets_a_regional_custom_domain() -> None:
    module, _ = _design(REST_DOMAIN)
    domain = module.resources["aws_api_gateway_domain_name"]["api"]
    assert domain["endpoint_configuration"][0]["types"] == ["REGIONAL"]
    assert domain["security_policy"] == "TLS_1_2"
    mapping = module.resources["aws_api_gateway_base_path_mapping"]["api"]
    assert "aws_api_gateway_stage.main.stage_name" in mapping["stage_name"]


def test_without_a_domain_or_cdn_an_api_gets_neither() -> None:
    module, _ = _design("Serverless HTTP API with Lambda and DynamoDB in Seoul.")
    assert "aws_apigatewayv2_domain_name" not in module.resources
    assert "aws_cloudfront_distribution" not in module.resources
