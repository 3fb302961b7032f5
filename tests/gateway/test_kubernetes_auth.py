"""--kubernetes-auth: TokenReview says who, SubjectAccessReview says whether.

No kube-apiserver can run here, so a small aiohttp server (tests/gateway/kube_fake.py) stands
in for the two review endpoints of the Kubernetes API and records what the gateway asked. It
serves HTTPS with a certificate from a CA the tests generate, as a cluster's API server does, and
decides reviews from user and group grants.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from autcloud.gateway.kube_auth import KubeApiConfig, KubernetesAuthorizer
from tests.gateway.harness import events_url, gateway, messages_url, run
from tests.gateway.kube_fake import (
    GATEWAY_SA_TOKEN,
    cluster_tls,
    fake_api_server,
    kube_gateway,
)


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
        assert api.callers == [f"Bearer {GATEWAY_SA_TOKEN}"] * 2  # both reviews, as itself

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


def test_metrics_need_a_token_allowed_to_get_the_metrics_url(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, api):
            assert await _status("GET", f"{base}/metrics", "alice-token") == 200
            assert await _status("GET", f"{base}/metrics", "bob-token") == 403
            assert await _status("GET", f"{base}/metrics", None) == 401
        asked = [r["spec"] for r in api.reviews if r["kind"] == "SubjectAccessReview"]
        assert asked[0]["nonResourceAttributes"] == {"path": "/metrics", "verb": "get"}

    run(scenario())


def test_concurrent_requests_with_one_token_share_one_review(redis_url: str) -> None:
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, api):
            statuses = await asyncio.gather(
                *(_status("POST", messages_url(base), "alice-token") for _ in range(10))
            )
        assert statuses == [202] * 10
        assert api.token_reviews < 10

    run(scenario())


def test_a_grant_to_a_group_admits_its_members(redis_url: str) -> None:
    # carol has no grant of her own; her group shop-editors (from the TokenReview) has.
    async def scenario() -> None:
        async with kube_gateway(redis_url) as (base, api):
            assert await _status("POST", messages_url(base), "carol-token") == 202
            assert await _status("GET", events_url(base, "team", "other"), "carol-token") == 403
        access = next(r for r in api.reviews if r["kind"] == "SubjectAccessReview")
        assert access["spec"]["groups"] == ["shop-editors", "system:authenticated"]

    run(scenario())


def test_an_api_server_certificate_not_from_the_ca_file_is_refused(redis_url: str) -> None:
    # Without the cluster CA the system trust store is used, which does not know it: no
    # review is sent (the TLS handshake fails) and the gateway answers 503, never access.
    async def scenario() -> None:
        config = KubeApiConfig(server="https://127.0.0.1:{port}", token=GATEWAY_SA_TOKEN)
        async with kube_gateway(redis_url, config=config) as (base, api):
            assert await _status("POST", messages_url(base), "alice-token") == 503
        assert api.reviews == []

    run(scenario())


def test_a_gateway_token_the_api_server_rejects_means_503_not_access(redis_url: str) -> None:
    async def scenario() -> None:
        config = KubeApiConfig(
            server="https://127.0.0.1:{port}", token="revoked", ca_file=cluster_tls().ca_file
        )
        async with kube_gateway(redis_url, config=config) as (base, api):
            assert await _status("POST", messages_url(base), "alice-token") == 503
        assert api.callers == ["Bearer revoked"] and api.reviews == []

    run(scenario())


@pytest.mark.parametrize(
    ("host", "server"),
    [("127.0.0.1", "https://127.0.0.1:{port}"), ("::1", "https://[::1]:{port}")],
)
def test_in_a_pod_the_mounted_token_and_ca_reach_the_service_host(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, server: str
) -> None:
    # What the kubelet mounts into a pod, and the variables it sets.
    mounted = tmp_path / "serviceaccount"
    mounted.mkdir()
    (mounted / "token").write_text(GATEWAY_SA_TOKEN + "\n")
    (mounted / "ca.crt").write_bytes(cluster_tls().ca_file.read_bytes())

    async def scenario() -> None:
        async with fake_api_server(host) as (api, port):
            monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
            monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(port))
            config = KubeApiConfig.from_environment(service_account_dir=mounted)
            assert config.server == server.format(port=port)
            authorizer = KubernetesAuthorizer(config, cache_ttl_s=0)
            async with gateway(redis_url, authorizer) as base:
                assert await _status("POST", messages_url(base), "alice-token") == 202
                assert await _status("POST", messages_url(base), "bob-token") == 403
            assert set(api.callers) == {f"Bearer {GATEWAY_SA_TOKEN}"}

    run(scenario())


def test_outside_a_pod_the_kubeconfig_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")  # set, but no token mounted
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        json.dumps(
            {
                "current-context": "dev",
                "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
                "clusters": [{"name": "c", "cluster": {"server": "https://[fd00::1]:6443"}}],
                "users": [{"name": "u", "user": {"token": "abc"}}],
            }
        )
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))

    config = KubeApiConfig.from_environment(service_account_dir=tmp_path / "not-mounted")

    assert (config.server, config.token) == ("https://[fd00::1]:6443", "abc")
