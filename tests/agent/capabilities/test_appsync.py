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


EN = "A serverless GraphQL API with AppSync and DynamoDB"
KO = "람다와 앱싱크로 GraphQL 백엔드를 만들어줘"


def test_an_english_request_builds_a_graphql_api_logged_and_traced() -> None:
    module, _ = _design(EN)
    api = module.resources["aws_appsync_graphql_api"]["main"]
    assert api["xray_enabled"] is True
    assert api["authentication_type"] == "AWS_IAM"
    assert "aws_iam_role.appsync_logs" in str(api["log_config"])


def test_the_resolver_reads_the_dynamodb_table() -> None:
    module, _ = _design(EN)
    source = module.resources["aws_appsync_datasource"]["main"]
    assert source["type"] == "AMAZON_DYNAMODB"
    assert "aws_dynamodb_table.main" in str(source["dynamodb_config"])
    assert module.resources["aws_appsync_resolver"]["get_item"]["field"] == "getItem"


def test_a_korean_request_resolves_against_the_lambda_function() -> None:
    module, _ = _design(KO)
    assert module.resources["aws_appsync_datasource"]["main"]["type"] == "AWS_LAMBDA"


def test_users_sign_in_with_cognito_when_the_design_has_a_user_pool() -> None:
    module, _ = _design(EN + ", users sign in with Cognito")
    if "aws_cognito_user_pool" not in module.resources:  # the cognito capability is not here
        return
    api = module.resources["aws_appsync_graphql_api"]["main"]
    assert api["authentication_type"] == "AMAZON_COGNITO_USER_POOLS"


def test_the_ledger_honors_appsync_with_the_api_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["service.appsync"]
    assert entry["status"] == "honored"
    assert _evidence(entry) == ["aws_appsync_graphql_api.main"]


def test_a_request_not_naming_graphql_builds_no_appsync() -> None:
    module, _ = _design("A serverless API on Lambda with DynamoDB")
    assert "aws_appsync_graphql_api" not in module.resources
