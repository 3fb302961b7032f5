"""Amazon Cognito: a user pool for sign-up and sign-in, an app client and a hosted-UI domain.

When the design has an HTTP API, its routes take a JWT authorizer backed by the pool.
"""

from __future__ import annotations

from autcloud.agent.capabilities.base import EDGE, Capability, Parameter, Probe, reader
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

_ADVANCED = reader(
    r"advanced security(?: features?| mode)?|compromised[- ]credentials?|adaptive authentication"
    r"|cognito threat protection|(?:코그니토|cognito)\s*(?:의\s*)?(?:고급 보안|위협 방지|위협 보호)"
    r"|유출된 (?:비밀번호|자격 ?증명)",
    lambda m: "ENFORCED",
)


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
            "Users sign up and sign in with their e-mail: strong passwords, optional MFA, deletion protection.",
            {
                "name": interp("${local.name}-users"),
                "deletion_protection": "ACTIVE",
                "username_attributes": ["email"],
                "auto_verified_attributes": ["email"],
                "mfa_configuration": "OPTIONAL",
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
    _protect_http_api(bp)
    bp.out(
        Output("user_pool_id", "aws_cognito_user_pool.main.id", "ID of the Cognito user pool."),
        Output(
            "user_pool_client_id",
            "aws_cognito_user_pool_client.app.id",
            "ID of the app client the front end signs in with.",
        ),
        Output(
            "auth_domain",
            '"https://${aws_cognito_user_pool_domain.main.domain}.auth.${var.region}.amazoncognito.com"',
            "Base URL of the hosted sign-in pages.",
        ),
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
    route.comments = tuple(c for c in route.comments if "CKV_AWS_309" not in c)
    route.reason += " Only signed-in users (a valid Cognito token) get through."
    bp.notes.append(
        "Cognito: the API's routes require a signed-in user's token; add a route with "
        "authorization_type NONE for anything public (health checks, webhooks)."
    )


CAPABILITY = Capability(
    key="cognito",
    summary="Amazon Cognito user pool for sign-up and sign-in.",
    concepts=("service.cognito",),
    probes=(Probe("aws_cognito_user_pool"),),
    category="security",
    build=build,
    phase=EDGE,
    parameters=(
        Parameter(
            "cognito.advanced_security",
            "aws_cognito_user_pool",
            "user_pool_add_ons.advanced_security_mode",
            "==",
            _ADVANCED,
        ),
    ),
    scanner_types=("aws_cognito_user_pool", "aws_cognito_user_pool_client"),
)
