"""--kubernetes-auth: TokenReview says who, SubjectAccessReview says whether.

No kube-apiserver can run here, so a small aiohttp server stands in for the two review
endpoints of the Kubernetes API (same paths, request and response shapes), and records what
the gateway asked.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from autcloud.gateway.kube_auth import KubeApiConfig, KubernetesAuthorizer
from tests.gateway.harness import events_url, free_port, gateway, messages_url, run

GATEWAY_SA_TOKEN = "gateway-service-account-token"
USERS = {"alice-token": "alice", "bob-token": "bob"}
# (user, verb, namespace, name) that RBAC allows
GRANTS = {
    ("alice", "get", "team", "shop"),
    ("alice", "patch", "team", "shop"),
    ("bob", "get", "team", "shop"),
}


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

    async def access_review(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.reviews.append(body)
        attrs = body["spec"]["resourceAttributes"]
        key = (body["spec"]["user"], attrs["verb"], attrs["namespace"], attrs["name"])
        allowed = (
            key in GRANTS
            and attrs["group"] == "autcloud.io"
            and attrs["resource"] == "infradesigns"
        )
        return web.json_response({**body, "status": {"allowed": allowed}}, status=201)


@asynccontextmanager
async def kube_gateway(redis_url: str) -> AsyncIterator[tuple[str, FakeApiServer]]:
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
        async with gateway(redis_url, KubernetesAuthorizer(config, cache_ttl_s=0)) as base:
            yield base, api
    finally:
        await runner.cleanup()


async def _status(method: str, url: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            url,
            headers=headers,
            json={"text": "hi"} if method == "POST" else None,
            params={"since": "now"} if method == "GET" else None,
            timeout=aiohttp.ClientTimeout(sock_read=0.5),
        ) as response,
    ):
        return response.status


def test_a_user_allowed_by_rbac_may_watch_and_send(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, _):
            assert await _status("POST", messages_url(base), "alice-token") == 202
            assert await _status("GET", events_url(base), "alice-token") == 200

    run(scenario())


def test_watching_needs_get_and_sending_needs_patch(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, api):
            assert await _status("GET", events_url(base), "bob-token") == 200
            assert await _status("POST", messages_url(base), "bob-token") == 403
        verbs = [
            r["spec"]["resourceAttributes"]["verb"]
            for r in api.reviews
            if r["kind"] == "SubjectAccessReview"
        ]
        assert verbs == ["get", "patch"]

    run(scenario())


def test_access_to_one_design_does_not_open_another(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, _):
            assert await _status("GET", events_url(base, "team", "other"), "alice-token") == 403
            assert await _status("GET", events_url(base, "prod", "shop"), "alice-token") == 403

    run(scenario())


def test_unknown_or_missing_tokens_are_unauthorized(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, _):
            assert await _status("GET", events_url(base), "stolen-token") == 401
            assert await _status("POST", messages_url(base), None) == 401

    run(scenario())


def test_the_reviews_ask_about_the_infradesign_as_the_gateway_itself(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, api):
            await _status("POST", messages_url(base), "alice-token")
        access = next(r for r in api.reviews if r["kind"] == "SubjectAccessReview")
        assert access["spec"]["resourceAttributes"] == {
            "namespace": "team",
            "verb": "patch",
            "group": "autcloud.io",
            "resource": "infradesigns",
            "name": "shop",
        }
        assert access["spec"]["user"] == "alice" and access["spec"]["uid"] == "uid-alice"
        assert api.callers == [f"Bearer {GATEWAY_SA_TOKEN}"]

    run(scenario())


def test_an_unreachable_api_server_means_503_not_access(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, api):
            api.down = True
            assert await _status("GET", events_url(base), "alice-token") == 503

    run(scenario())


def test_a_kubeconfig_gives_the_server_and_credentials(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        json.dumps(
            {
                "current-context": "dev",
                "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {
                            "server": "https://10.0.0.1:6443/",
                            "certificate-authority": "ca.pem",
                        },
                    }
                ],
                "users": [{"name": "u", "user": {"token": "abc"}}],
            }
        )
    )
    config = KubeApiConfig.from_kubeconfig(kubeconfig)
    assert config.server == "https://10.0.0.1:6443"
    assert config.token == "abc"
    assert config.ca_file == tmp_path / "ca.pem"
