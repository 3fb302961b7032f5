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


EN = "A serverless API on Lambda with user sign-up and login through Cognito"
KO = "서버리스 API, 회원가입과 로그인은 코그니토로, 코그니토 고급 보안 켜줘"


def test_an_english_request_builds_a_protected_user_pool_with_client_and_domain() -> None:
    module, _ = _design(EN)
    pool = module.resources["aws_cognito_user_pool"]["main"]
    assert pool["deletion_protection"] == "ACTIVE"
    assert pool["mfa_configuration"] == "OPTIONAL"
    assert pool["password_policy"][0]["minimum_length"] >= 12
    assert pool["user_pool_add_ons"][0]["advanced_security_mode"] == "OFF"
    assert "app" in module.resources["aws_cognito_user_pool_client"]
    assert "main" in module.resources["aws_cognito_user_pool_domain"]


def test_the_http_api_accepts_only_cognito_tokens() -> None:
    module, _ = _design(EN)
    route = module.resources["aws_apigatewayv2_route"]["default"]
    assert route["authorization_type"] == "JWT"
    assert "aws_apigatewayv2_authorizer.cognito" in route["authorizer_id"]


def test_a_korean_request_asking_for_advanced_security_enforces_it() -> None:
    module, ledger = _design(KO)
    pool = module.resources["aws_cognito_user_pool"]["main"]
    assert pool["user_pool_add_ons"][0]["advanced_security_mode"] == "ENFORCED"
    assert ledger["cognito.advanced_security"]["status"] == "honored"


def test_the_ledger_honors_cognito_with_the_user_pool_as_evidence() -> None:
    _, ledger = _design(EN)
    assert ledger["service.cognito"]["status"] == "honored"
    assert _evidence(ledger["service.cognito"]) == ["aws_cognito_user_pool.main"]


def test_a_request_not_naming_authentication_builds_no_user_pool() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_cognito_user_pool" not in module.resources


SSO = (
    "Users sign in with a Cognito user pool, with Sign in with Google as well, and B2B staff "
    "through their company SAML IdP. Hosted UI domain auth.example.io."
)


def test_google_and_saml_identity_providers_join_the_user_pool() -> None:
    module, _ = _design(SSO)
    providers = module.resources["aws_cognito_identity_provider"]
    assert {p["provider_type"] for p in providers.values()} == {"Google", "SAML"}
    client = module.resources["aws_cognito_user_pool_client"]["app"]
    assert len(client["supported_identity_providers"]) == 3


def test_the_hosted_ui_gets_the_stated_custom_domain() -> None:
    module, ledger = _design(SSO)
    assert module.resources["aws_cognito_user_pool_domain"]["main"]["domain"] == "auth.example.io"
    assert ledger["cognito.domain"]["status"] == "honored"


def test_a_saml_idp_without_cognito_named_adds_no_user_pool_provider() -> None:
    from autcloud.agent.capabilities.cognito import _SAML

    assert list(_SAML("A Client VPN using SSO via our SAML IdP")) == []
