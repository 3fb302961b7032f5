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


EN = "A serverless REST API gateway on Lambda with DynamoDB"
KO = "Lambda 기반 서버리스 백엔드에 REST API 게이트웨이를 붙여줘"


def test_an_english_request_builds_a_regional_rest_api_with_a_lambda_proxy() -> None:
    module, _ = _design(EN)
    api = module.resources["aws_api_gateway_rest_api"]["main"]
    assert api["endpoint_configuration"][0]["types"] == ["REGIONAL"]
    assert module.resources["aws_api_gateway_resource"]["proxy"]["path_part"] == "{proxy+}"
    integration = module.resources["aws_api_gateway_integration"]["proxy"]
    assert integration["type"] == "AWS_PROXY"
    assert "aws_lambda_function.api.invoke_arn" in str(integration["uri"])
    assert "rest_api" in module.resources["aws_lambda_permission"]


def test_the_stage_is_traced_logged_to_an_encrypted_group_and_throttled() -> None:
    module, _ = _design(EN)
    stage = module.resources["aws_api_gateway_stage"]["main"]
    assert stage["xray_tracing_enabled"] is True
    assert "aws_cloudwatch_log_group.rest_api" in str(stage["access_log_settings"])
    assert "aws_kms_key.main" in str(
        module.resources["aws_cloudwatch_log_group"]["rest_api"]["kms_key_id"]
    )
    settings = module.resources["aws_api_gateway_method_settings"]["all"]["settings"][0]
    assert "throttling_rate_limit" in settings


def test_the_rest_api_replaces_the_http_api_of_the_core() -> None:
    module, _ = _design(EN)
    assert "aws_apigatewayv2_api" not in module.resources


def test_a_korean_request_builds_the_rest_api() -> None:
    module, _ = _design(KO)
    assert "main" in module.resources["aws_api_gateway_rest_api"]


def test_the_ledger_honors_the_rest_api_with_the_api_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.rest_api"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == ["aws_api_gateway_rest_api.main"]


def test_a_request_not_naming_a_rest_api_builds_none() -> None:
    module, _ = _design("A serverless API on Lambda with DynamoDB")
    assert "aws_api_gateway_rest_api" not in module.resources


PARTNER = (
    "Public partner API in Ireland on API Gateway REST with API keys and a usage plan "
    "(100 requests/s, burst 200). Backend is Lambda. Put WAF in front of the API stage."
)


def test_a_usage_plan_with_api_keys_throttles_at_the_stated_rate_and_burst() -> None:
    module, ledger = _design(PARTNER)
    plan = module.resources["aws_api_gateway_usage_plan"]["main"]
    assert plan["throttle_settings"][0]["rate_limit"] == "${var.rest_api_throttle_rate_limit}"
    assert module.variables["rest_api_throttle_rate_limit"]["default"] == 100
    assert module.variables["rest_api_throttle_burst_limit"]["default"] == 200
    assert "main" in module.resources["aws_api_gateway_api_key"]
    assert ledger["rest_api.usage_plan"]["status"] == "honored"


def test_waf_asked_with_a_rest_api_is_associated_with_its_stage() -> None:
    module, _ = _design(PARTNER)
    association = module.resources["aws_wafv2_web_acl_association"]["api"]
    assert "aws_api_gateway_stage.main" in association["resource_arn"]


def test_a_private_rest_api_answers_through_an_execute_api_endpoint() -> None:
    module, ledger = _design(
        "Private REST API (API Gateway, private endpoint type) in Frankfurt with a Lambda backend"
    )
    api = module.resources["aws_api_gateway_rest_api"]["main"]
    assert api["endpoint_configuration"][0]["types"] == ["PRIVATE"]
    endpoint = module.resources["aws_vpc_endpoint"]["execute_api"]
    assert "execute-api" in endpoint["service_name"]
    assert ledger["rest_api.endpoint_type"]["status"] == "honored"


def test_a_korean_throttle_on_the_rest_api_stage_is_applied() -> None:
    module, ledger = _design(
        "API Gateway REST API와 람다, 스테이지는 초당 2000 요청 스로틀링, 버스트 4000"
    )
    assert module.variables["rest_api_throttle_rate_limit"]["default"] == 2000
    assert module.variables["rest_api_throttle_burst_limit"]["default"] == 4000
    assert ledger["rest_api.rate_limit"]["status"] == "honored"


def test_requests_per_second_without_api_gateway_do_not_build_a_rest_api() -> None:
    module, _ = _design("A Fargate web API handling 500 requests per second with Postgres")
    assert "aws_api_gateway_rest_api" not in module.resources
