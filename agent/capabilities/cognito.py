"""Amazon Cognito: a user pool for sign-up and sign-in, an app client and a hosted-UI domain.

When the design has an HTTP API, its routes take a JWT authorizer backed by the pool.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("cognito")

_ADVANCED = reader(PATTERNS["advanced"], lambda m: "ENFORCED")
_MFA = reader(PATTERNS["mfa"], lambda m: "ON")


# Identity providers are Cognito's only when the message names Cognito (a SAML IdP for a Client
# VPN, an Okta app for a load balancer are not the user pool's).
def _with_cognito(
    pattern: re.Pattern[str], value: str
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    return only_about(PATTERNS["cognito"], reader(pattern, lambda m: value))


_GOOGLE = _with_cognito(PATTERNS["google"], "Google")
_SAML = _with_cognito(PATTERNS["saml"], "SAML")
_OIDC = _with_cognito(PATTERNS["oidc"], "OIDC")
# The hosted sign-in pages on the company's own domain ("hosted UI domain auth.example.com").
_DOMAIN = reader(PATTERNS["domain"], lambda m: m.group(1).lower())

_PROVIDERS: dict[str, tuple[str, str, dict[str, str]]] = {
    # provider type: (resource name, provider name, attribute mapping)
    "Google": ("google", "Google", {"email": "email", "username": "sub"}),
    "SAML": (
        "saml",
        "CorporateSAML",
        {"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"},
    ),
    "OIDC": ("oidc", "CorporateOIDC", {"email": "email", "username": "sub"}),
}


def _identity_providers(bp: Blueprint, ctx: Context) -> list[str]:
    """Federated sign-in as asked: Google, a SAML IdP, an OIDC IdP (Okta, Entra ID...)."""
    names: list[str] = []
    for key, kind in (
        ("cognito.google", "Google"),
        ("cognito.saml", "SAML"),
        ("cognito.oidc", "OIDC"),
    ):
        if ctx.req.params.get(key) != kind:
            continue
        name, provider, mapping = _PROVIDERS[kind]
        if kind == "SAML":
            details: dict[str, Any] = {
                "MetadataURL": bp.var(
                    Variable(
                        "saml_metadata_url",
                        "string",
                        "Required. The SAML IdP's metadata URL (from the IdP's app for this user pool).",
                        validation=(
                            'can(regex("^https://", var.saml_metadata_url))',
                            "saml_metadata_url must be an https URL.",
                        ),
                    )
                ),
                "IDPSignout": "true",
            }
        else:
            prefix = name
            details = {
                "client_id": bp.var(
                    Variable(
                        f"{prefix}_client_id", "string", f"Required. {provider} OAuth client ID."
                    )
                ),
                "client_secret": bp.var(
                    Variable(
                        f"{prefix}_client_secret",
                        "string",
                        f"Required. {provider} OAuth client secret.",
                        sensitive=True,
                    )
                ),
                "authorize_scopes": "openid email profile"
                if kind == "OIDC"
                else "email openid profile",
            }
            if kind == "OIDC":
                details["oidc_issuer"] = bp.var(
                    Variable(
                        "oidc_issuer",
                        "string",
                        "Required. The OIDC issuer URL, e.g. https://example.okta.com.",
                        validation=(
                            'can(regex("^https://", var.oidc_issuer))',
                            "oidc_issuer must be an https URL.",
                        ),
                    )
                )
                details["attributes_request_method"] = "GET"
        bp.add(
            ResourceSpec(
                "aws_cognito_identity_provider",
                name,
                "security",
                f"Lets users sign in through {provider if kind != 'SAML' else 'the company SAML IdP'} (federated single sign-on).",
                {
                    "user_pool_id": Expr("aws_cognito_user_pool.main.id"),
                    "provider_name": provider,
                    "provider_type": kind,
                    "provider_details": details,
                    "attribute_mapping": mapping,
                },
                block="cognito",
            )
        )
        names.append(name)
    return names


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("cognito")
    advanced = str(ctx.req.params.get("cognito.advanced_security") or "OFF")
    callback_default = (
        [f"https://{ctx.req.domain}/auth/callback"]
        if ctx.req.domain
        else ["https://localhost:3000/auth/callback"]
    )
    callbacks = bp.var(
        Variable(
            "auth_callback_urls",
            "list(string)",
            "URLs Cognito may redirect to after sign-in (the app's callback page).",
            callback_default,
        )
    )
    logouts = bp.var(
        Variable(
            "auth_logout_urls",
            "list(string)",
            "URLs Cognito may redirect to after sign-out.",
            [f"https://{ctx.req.domain}/"] if ctx.req.domain else ["https://localhost:3000/"],
        )
    )
    bp.add(
        ResourceSpec(
            "aws_cognito_user_pool",
            "main",
            "security",
            "Users sign up and sign in with their e-mail: strong passwords, "
            + ("MFA required" if ctx.req.params.get("cognito.mfa") == "ON" else "optional MFA")
            + ", deletion protection.",
            {
                "name": interp("${local.name}-users"),
                "deletion_protection": "ACTIVE",
                "username_attributes": ["email"],
                "auto_verified_attributes": ["email"],
                "mfa_configuration": str(ctx.req.params.get("cognito.mfa") or "OPTIONAL"),
                "software_token_mfa_configuration": Block(
                    "software_token_mfa_configuration", body={"enabled": True}
                ),
                "password_policy": Block(
                    "password_policy",
                    body={
                        "minimum_length": 12,
                        "require_lowercase": True,
                        "require_uppercase": True,
                        "require_numbers": True,
                        "require_symbols": True,
                        "temporary_password_validity_days": 3,
                    },
                ),
                "account_recovery_setting": Block(
                    "account_recovery_setting",
                    body={
                        "recovery_mechanism": Block(
                            "recovery_mechanism", body={"name": "verified_email", "priority": 1}
                        )
                    },
                ),
                "admin_create_user_config": Block(
                    "admin_create_user_config", body={"allow_admin_create_user_only": False}
                ),
                "user_pool_add_ons": Block(
                    "user_pool_add_ons", body={"advanced_security_mode": advanced}
                ),
                "tags": tags("users"),
            },
            block="cognito",
        ),
        ResourceSpec(
            "aws_cognito_user_pool_client",
            "app",
            "security",
            "The application's client: authorization-code sign-in, no client secret (browser/mobile), token revocation.",
            {
                "name": interp("${local.name}-app"),
                "user_pool_id": Expr("aws_cognito_user_pool.main.id"),
                "generate_secret": False,
                "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "prevent_user_existence_errors": "ENABLED",
                "enable_token_revocation": True,
                "allowed_oauth_flows_user_pool_client": True,
                "allowed_oauth_flows": ["code"],
                "allowed_oauth_scopes": ["openid", "email", "profile"],
                "supported_identity_providers": ["COGNITO"],
                "callback_urls": callbacks,
                "logout_urls": logouts,
                "access_token_validity": 60,
                "id_token_validity": 60,
                "refresh_token_validity": 30,
                "token_validity_units": Block(
                    "token_validity_units",
                    body={
                        "access_token": "minutes",
                        "id_token": "minutes",
                        "refresh_token": "days",
                    },
                ),
            },
            block="cognito",
        ),
        ResourceSpec(
            "aws_cognito_user_pool_domain",
            "main",
            "security",
            "The hosted sign-in pages' domain prefix (unique per account).",
            {
                "domain": interp("${local.name}-${data.aws_caller_identity.current.account_id}"),
                "user_pool_id": Expr("aws_cognito_user_pool.main.id"),
            },
            block="cognito",
        ),
    )
    federated = _identity_providers(bp, ctx)
    if federated:
        client = bp.find("aws_cognito_user_pool_client.app")
        assert client is not None
        client.body["supported_identity_providers"] = [
            "COGNITO",
            *(Expr(f"aws_cognito_identity_provider.{n}.provider_name") for n in federated),
        ]
    custom = ctx.req.params.get("cognito.domain")
    if isinstance(custom, str):
        pool_domain = bp.find("aws_cognito_user_pool_domain.main")
        assert pool_domain is not None
        pool_domain.body["domain"] = custom
        pool_domain.body["certificate_arn"] = bp.var(
            Variable(
                "auth_domain_certificate_arn",
                "string",
                f"Required. ARN of an ACM certificate in us-east-1 for {custom} (Cognito custom "
                "domains are served through CloudFront); then point the domain at the output "
                "auth_domain_cloudfront with a CNAME or alias record.",
                validation=(
                    'can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.auth_domain_certificate_arn))',
                    "auth_domain_certificate_arn must be an ACM certificate ARN in us-east-1.",
                ),
            )
        )
        pool_domain.reason = f"The hosted sign-in pages on {custom}, as asked."
    _protect_http_api(bp)
    bp.out(
        Output("user_pool_id", "aws_cognito_user_pool.main.id", "ID of the Cognito user pool."),
        Output(
            "user_pool_client_id",
            "aws_cognito_user_pool_client.app.id",
            "ID of the app client the front end signs in with.",
        ),
    )
    if isinstance(custom, str):
        bp.out(
            Output("auth_domain", f'"https://{custom}"', "Base URL of the hosted sign-in pages."),
            Output(
                "auth_domain_cloudfront",
                "aws_cognito_user_pool_domain.main.cloudfront_distribution",
                "Where the custom sign-in domain must point (CNAME/alias).",
            ),
        )
    else:
        bp.out(
            Output(
                "auth_domain",
                '"https://${aws_cognito_user_pool_domain.main.domain}.auth.${var.region}.amazoncognito.com"',
                "Base URL of the hosted sign-in pages.",
            )
        )


def _protect_http_api(bp: Blueprint) -> None:
    """An HTTP API's routes accept only tokens issued by the pool."""
    api = bp.find("aws_apigatewayv2_api.main")
    route = bp.find("aws_apigatewayv2_route.default")
    if api is None or route is None or api.body.get("protocol_type") == "WEBSOCKET":
        return
    bp.add(
        ResourceSpec(
            "aws_apigatewayv2_authorizer",
            "cognito",
            "security",
            "Checks every API call's Cognito token (JWT) before the function runs.",
            {
                "api_id": Expr("aws_apigatewayv2_api.main.id"),
                "name": "cognito",
                "authorizer_type": "JWT",
                "identity_sources": ["$request.header.Authorization"],
                "jwt_configuration": Block(
                    "jwt_configuration",
                    body={
                        "audience": [Expr("aws_cognito_user_pool_client.app.id")],
                        "issuer": interp("https://${aws_cognito_user_pool.main.endpoint}"),
                    },
                ),
            },
            block="cognito",
        )
    )
    route.body["authorization_type"] = "JWT"
    route.body["authorizer_id"] = Expr("aws_apigatewayv2_authorizer.cognito.id")
    route.unskip("CKV_AWS_309")
    route.reason += " Only signed-in users (a valid Cognito token) get through."
    bp.notes.append(
        "Cognito: the API's routes require a signed-in user's token; add a route with "
        "authorization_type NONE for anything public (health checks, webhooks)."
    )


CAPABILITY = declare(
    "cognito",
    build=build,
    readers={
        "cognito.advanced_security": _ADVANCED,
        "cognito.mfa": _MFA,
        "cognito.google": _GOOGLE,
        "cognito.saml": _SAML,
        "cognito.oidc": _OIDC,
        "cognito.domain": _DOMAIN,
    },
)
