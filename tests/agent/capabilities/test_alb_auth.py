import asyncio
from functools import cache

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> TerraformModule:
    result = asyncio.run(run_design(request, assume_defaults=True))
    return load_texts(result.files)


OIDC = (
    "Admin app on ECS Fargate behind an ALB that makes everyone log in with SSO through our Okta "
    "OIDC app. HTTPS with a cert for tools.example.com."
)
KO = (
    "어드민 페이지(admin.example.kr)는 ALB 리스너에서 코그니토 인증 붙이고, 코그니토 유저풀은 "
    "구글 워크스페이스로 SSO 되게 해주세요. 어드민 앱은 EC2 t3.small 한대."
)


def _types(module: TerraformModule) -> list[str]:
    return [a["type"] for a in module.resources["aws_lb_listener"]["https"]["default_action"]]


def test_an_alb_sso_ask_without_cognito_authenticates_with_oidc_first() -> None:
    assert _types(_design(OIDC)) == ["authenticate-oidc", "forward"]


def test_a_korean_alb_cognito_ask_authenticates_with_the_user_pool() -> None:
    module = _design(KO)
    assert _types(module)[0] == "authenticate-cognito"
    assert module.resources["aws_cognito_user_pool_client"]["app"]["generate_secret"] is True


def test_a_load_balancer_without_an_auth_ask_only_forwards() -> None:
    module = _design("Admin app on ECS Fargate behind an ALB, HTTPS for tools.example.com.")
    assert _types(module) == ["forward"]
