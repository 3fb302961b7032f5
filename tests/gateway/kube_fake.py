"""A stand-in for the Kubernetes API's TokenReview and SubjectAccessReview endpoints.

No kube-apiserver can run here, so a small aiohttp server serves the two review endpoints (same
paths, request and response shapes) and records what the gateway asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from autcloud.gateway.kube_auth import KubeApiConfig, KubernetesAuthorizer
from tests.gateway.harness import free_port, gateway

GATEWAY_SA_TOKEN = "gateway-service-account-token"
USERS = {"alice-token": "alice", "bob-token": "bob"}
# (user, verb, namespace, name) that RBAC allows
GRANTS = {
    ("alice", "get", "team", "shop"),
    ("alice", "patch", "team", "shop"),
    ("bob", "get", "team", "shop"),
}
# (user, verb, non-resource path) that RBAC allows
NON_RESOURCE_GRANTS = {("alice", "get", "/metrics")}


class FakeApiServer:
    def __init__(self) -> None:
        self.reviews: list[dict[str, Any]] = []
        self.callers: list[str | None] = []
        self.down = False

    async def token_review(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=500)
        body = await request.json()
        self.callers.append(request.headers.get("Authorization"))
        self.reviews.append(body)
        user = USERS.get(body["spec"]["token"])
        status: dict[str, Any] = {"authenticated": user is not None}
        if user:
            status["user"] = {"username": user, "uid": f"uid-{user}", "groups": ["devs"]}
        return web.json_response({**body, "status": status}, status=201)

    @property
    def token_reviews(self) -> int:
        return sum(1 for review in self.reviews if review["kind"] == "TokenReview")

    async def access_review(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.reviews.append(body)
        if "nonResourceAttributes" in body["spec"]:
            path = body["spec"]["nonResourceAttributes"]
            grant = (body["spec"]["user"], path["verb"], path["path"])
            return web.json_response(
                {**body, "status": {"allowed": grant in NON_RESOURCE_GRANTS}}, status=201
            )
        attrs = body["spec"]["resourceAttributes"]
        key = (body["spec"]["user"], attrs["verb"], attrs["namespace"], attrs["name"])
        allowed = (
            key in GRANTS
            and attrs["group"] == "autcloud.io"
            and attrs["resource"] == "infradesigns"
        )
        return web.json_response({**body, "status": {"allowed": allowed}}, status=201)


@asynccontextmanager
async def kube_gateway(
    redis_url: str, *, cache_ttl_s: float = 0, **settings: Any
) -> AsyncIterator[tuple[str, FakeApiServer]]:
    """A gateway with --kubernetes-auth against a fake API server. ``settings``: the
    KubernetesAuthorizer's ``negative_ttl_s`` and ``cache_limit``, the rest GatewayConfig's."""
    authorizer_settings = {
        key: settings.pop(key) for key in ("negative_ttl_s", "cache_limit") if key in settings
    }
    api = FakeApiServer()
    app = web.Application()
    app.router.add_post("/apis/authentication.k8s.io/v1/tokenreviews", api.token_review)
    app.router.add_post("/apis/authorization.k8s.io/v1/subjectaccessreviews", api.access_review)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    config = KubeApiConfig(server=f"http://127.0.0.1:{port}", token=GATEWAY_SA_TOKEN)
    try:
        authorizer = KubernetesAuthorizer(config, cache_ttl_s=cache_ttl_s, **authorizer_settings)
        async with gateway(redis_url, authorizer, **settings) as base:
            yield base, api
    finally:
        await runner.cleanup()
