"""Sign-in at the load balancer ("an ALB that makes everyone log in with SSO", "ALB 리스너에서 코그니토
인증"): the HTTPS listener authenticates every visitor before forwarding — through the design's
Cognito user pool (authenticate-cognito) when Cognito is asked, else directly against the
company's OIDC identity provider (authenticate-oidc: Okta, Entra ID, Google Workspace...).

Load balancers authenticate only on HTTPS listeners; a design without one gets a note instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Variable
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("alb_auth")


def _read(text: str) -> Iterator[tuple[str, Any]]:
    match = PATTERNS["at_alb"].search(text)
    if match:
        yield (
            match.group(0).strip(),
            "authenticate-cognito" if PATTERNS["cognito"].search(text) else "authenticate-oidc",
        )


def _oidc(bp: Blueprint) -> dict[str, Any]:
    def var(name: str, description: str, sensitive: bool = False) -> Expr:
        return bp.var(Variable(name, "string", f"Required. {description}", sensitive=sensitive))

    return {
        "issuer": var("alb_oidc_issuer", "The OIDC issuer URL (e.g. https://example.okta.com)."),
        "authorization_endpoint": var(
            "alb_oidc_authorization_endpoint", "The IdP's authorization endpoint URL."
        ),
        "token_endpoint": var("alb_oidc_token_endpoint", "The IdP's token endpoint URL."),
        "user_info_endpoint": var(
            "alb_oidc_user_info_endpoint", "The IdP's user-info endpoint URL."
        ),
        "client_id": var("alb_oidc_client_id", "Client ID of the load balancer's app at the IdP."),
        "client_secret": var(
            "alb_oidc_client_secret", "Client secret of the load balancer's app at the IdP.", True
        ),
        "on_unauthenticated_request": "authenticate",
        "scope": "openid email profile",
    }


def build(bp: Blueprint, ctx: Context) -> None:
    action = ctx.req.params.get("alb.authenticate")
    listener = bp.require(
        "aws_lb_listener.https",
        "Sign-in at the load balancer needs an HTTPS listener (name a domain or ask for "
        "HTTPS); the listener forwards without it.",
    )
    if listener is None:
        return
    cognito = action == "authenticate-cognito" and bp.has("aws_cognito_user_pool.main")
    if cognito:
        client = bp.find("aws_cognito_user_pool_client.app")
        if client is not None:
            client.body["generate_secret"] = True  # the load balancer is a confidential client
            if ctx.req.domain:
                client.body["callback_urls"] = [f"https://{ctx.req.domain}/oauth2/idpresponse"]
        auth = Block(
            "authenticate_cognito",
            body={
                "user_pool_arn": Expr("aws_cognito_user_pool.main.arn"),
                "user_pool_client_id": Expr("aws_cognito_user_pool_client.app.id"),
                "user_pool_domain": Expr("aws_cognito_user_pool_domain.main.domain"),
                "on_unauthenticated_request": "authenticate",
            },
        )
        kind = "authenticate-cognito"
    else:
        if action == "authenticate-cognito":
            bp.notes.append("Sign-in at the load balancer: no Cognito user pool here, so OIDC.")
        auth = Block("authenticate_oidc", body=_oidc(bp))
        kind = "authenticate-oidc"
    forward = listener.body["default_action"]
    if isinstance(forward, Block):
        forward.body["order"] = 2
    listener.body["default_action"] = [
        Block("default_action", body={"type": kind, "order": 1, kind.replace("-", "_"): auth}),
        forward,
    ]
    listener.reason = (
        "Terminates TLS, signs every visitor in through "
        + ("the Cognito user pool" if cognito else "the company's OIDC identity provider")
        + ", then forwards to the application."
    )


CAPABILITY = declare("alb_auth", build=build, readers={"alb.authenticate": _read})
