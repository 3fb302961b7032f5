"""RBAC proven: the chart grants the operator and the gateway every Kubernetes call they make,
and nothing they do not make.

One end-to-end run drives every kind of call: the operator (in a namespaced install, as the
chart's default) designs an InfraDesign into a bare git remote, takes a chat message that came
in through the gateway (``--kubernetes-auth``: TokenReview and SubjectAccessReview) and moves
the full conversation to an archive ConfigMap, holds its Lease, keeps a
ProjectTag (credentials from a Secret) and a MonitorTarget against a moto server, and lets the
three go when they are deleted. The emulated API server records each call with the bearer token
that made it; each (verb, group, resource, subresource, namespace) is checked against the Roles
and ClusterRoles the chart renders for that service account (tests/operator/rbac.py).

Mocked: the Kubernetes API server (kmock; none can run here), whose review answers are the
test's. The operator, the gateway, Redis, git and moto are real.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import kmock
import pytest
import pytest_asyncio
import yaml

from autcloud.gateway.kube_auth import KubeApiConfig, KubernetesAuthorizer
from autcloud.operator.conversation_archive import ARCHIVE_AT
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import LeaderElection, OperatorSettings
from tests.chart.rendering import NAMESPACE
from tests.gateway.harness import RedisServer, gateway, messages_url
from tests.gitsink.bare_remote import BareRemote
from tests.operator.apiserver import ApiServer, Call
from tests.operator.harness import OPERATOR_TOKEN, REPO, Cluster, is_settled, write_kubeconfig
from tests.operator.rbac import (
    GATEWAY_SA,
    OPERATOR_SA,
    Permission,
    chart_values,
    describe,
    granted,
    not_granted,
    unused,
)
from tests.operator.test_accounts_kmock import CompanionOperator, Objects, observed
from tests.scanner.conftest import MotoServer, aws_env, start_moto, stop

__all__ = ["aws_env"]  # the session fixture: fake AWS credentials, no user configuration

pytestmark = pytest.mark.asyncio

SERVED = "team-a"  # the namespace the operator serves (operator.watchNamespaces)

GATEWAY_TOKEN = "gateway-service-account-token"
ALICE_TOKEN = "alice-token"
REGION = "eu-west-1"
SPEC = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}

# Grants the chart makes that no call in this run needs, each with the reason it stays.
# (verb, group, resource[/subresource]); an entry no longer unused fails the test too.
ALLOWED_UNUSED: dict[tuple[str, str, str], str] = {}
# Calls the chart does not grant on purpose, because the caller copes with the 403.
# (verb, group, resource[/subresource]); an entry no longer refused fails the test too.
# (Not kopf's namespace list: refused, kopf retries it for a minute before serving.)
DENIED_ON_PURPOSE: dict[tuple[str, str, str], str] = {}


@pytest.fixture
def moto(aws_env: None) -> Iterator[MotoServer]:
    server = start_moto()
    yield server
    stop(server)


@pytest_asyncio.fixture
async def served_apiserver() -> AsyncIterator[ApiServer]:
    async with ApiServer() as server, kmock.Server(server):
        server.serve_reviews(_review)
        yield server


def _review(caller: str | None, review: dict[str, Any]) -> dict[str, Any]:
    """The API server's answers: only the gateway may ask; alice may get and patch designs."""
    assert caller == GATEWAY_TOKEN, "only the gateway's service account asks for reviews"
    spec = review["spec"]
    if review["kind"] == "TokenReview":
        if spec["token"] != ALICE_TOKEN:
            return {"authenticated": False}
        return {"authenticated": True, "user": {"username": "alice", "groups": ["devs"]}}
    attributes = spec.get("resourceAttributes", {})
    return {"allowed": spec["user"] == "alice" and attributes.get("namespace") == SERVED}


async def _install_crds(cluster: Cluster) -> None:
    for path in sorted((REPO / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        await cluster._call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)


async def _send_through_the_gateway(base: str, text: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            messages_url(base, SERVED, "web"),
            json={"text": text, "id": "msg-1"},
            headers={"Authorization": f"Bearer {ALICE_TOKEN}"},
        ) as response,
    ):
        assert response.status == 202, await response.text()


async def _drive_everything(
    cluster: Cluster, redis_url: str, moto: MotoServer, remote: BareRemote
) -> None:
    """Every path that reaches the Kubernetes API, once."""
    designs = Objects(cluster, "infradesigns", "InfraDesign", SERVED)
    tags = Objects(cluster, "projecttags", "ProjectTag", SERVED)
    targets = Objects(cluster, "monitortargets", "MonitorTarget", SERVED)
    await cluster.create_secret(
        SERVED, "aws-creds", {"AWS_ACCESS_KEY_ID": "AKIDX", "AWS_SECRET_ACCESS_KEY": "s3cr3t"}
    )
    # A full conversation (ARCHIVE_AT entries): the gateway's message moves it to an archive
    # chunk (a ConfigMap), which every later reconcile reads.
    earlier = [
        {"type": "change", "text": f"Keep note {index}", "id": f"note-{index}"}
        for index in range(ARCHIVE_AT)
    ]
    git = {"repository": remote.url}
    await designs.apply("web", {**SPEC, "git": git, "conversation": earlier})
    await designs.wait_for("web", is_settled())
    account = {"regions": [REGION], "endpointURL": moto.url}
    await tags.apply(
        "shop",
        {
            **account,
            "tag": {"key": "Project", "value": "shop"},
            "credentials": {"secretRef": {"name": "aws-creds"}},
        },
    )
    await targets.apply(
        "shop", {**account, "selector": {"tag": {"key": "Project", "value": "shop"}}}
    )
    await tags.wait_for("shop", observed(1))
    await targets.wait_for("shop", observed(1))

    auth = KubernetesAuthorizer(KubeApiConfig(server=cluster.server, token=GATEWAY_TOKEN))
    try:
        async with gateway(redis_url, auth) as base:
            await _send_through_the_gateway(base, "Add a Redis cache in front of the API")
    finally:
        await auth.aclose()
    await designs.wait_for("web", is_settled(2))

    for objects in (designs, tags, targets):
        await objects.delete("shop" if objects is not designs else "web")
    for objects, name in ((designs, "web"), (tags, "shop"), (targets, "shop")):
        await _gone(objects, name)


async def _gone(objects: Objects, name: str) -> None:
    for _ in range(200):
        if await objects.get(name) is None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{objects.kind} {name} was not released by the operator")


def _report(title: str, items: list[Any]) -> str:
    return title + "".join(f"\n  - {item}" for item in items)


async def test_the_chart_grants_every_call_and_no_more(
    served_apiserver: ApiServer,
    redis_server: RedisServer,
    moto: MotoServer,
    remote: BareRemote,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = str(served_apiserver.url).rstrip("/")
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server, token=OPERATOR_TOKEN)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    cluster = Cluster(server)
    await _install_crds(cluster)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SERVED}}
    await cluster._call("POST", "/api/v1/namespaces", namespace)
    settings = OperatorSettings(
        namespaces=(SERVED,),
        git_cache_dir=tmp_path / "git-cache",
        redis_url=redis_server.url,
        diagram=False,
        retry_delay_seconds=1.0,
        secret_recheck_seconds=1.0,
        accounts_check_seconds=0.5,
        allow_local_repositories=True,  # the remote is a bare repository in tmp_path
        pod_name="operator-0",
        # As with operator.leaderElection.enabled: the Lease in the release namespace.
        leader_election=LeaderElection(f"{OPERATOR_SA}-lease", NAMESPACE, lease_seconds=15),
    )
    # Secrets narrowed to the one the run names (rbac.secretNames): a read of any other fails.
    values = {**chart_values(settings), "rbac": {"secretNames": ["aws-creds"]}}
    accounts = {OPERATOR_SA: OPERATOR_TOKEN, GATEWAY_SA: GATEWAY_TOKEN}
    permissions = {account: granted(values, account) for account in accounts}
    for account, token in accounts.items():
        # The API server answers 403 to what the chart does not grant, as in a cluster.
        user = f"system:serviceaccount:{NAMESPACE}:{account}"
        served_apiserver.authorize(token, user, functools.partial(_allows, permissions[account]))
    operator = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(operator.start)
    try:
        await _drive_everything(cluster, redis_server.url, moto, remote)
    finally:
        await asyncio.to_thread(operator.stop)

    problems: list[str] = []
    for account, token in accounts.items():
        calls = served_apiserver.calls_by(token)
        assert calls, f"{account} made no calls: the run did not reach the API"
        missing = not_granted(calls, permissions[account])
        unexpected = [c for c in missing if _call_key(c) not in DENIED_ON_PURPOSE]
        if unexpected:
            problems.append(_report(f"{account}: not granted", [describe(c) for c in unexpected]))
        idle = unused(permissions[account], calls)
        unexplained = [p for p in idle if _key(p) not in ALLOWED_UNUSED]
        if unexplained:
            problems.append(_report(f"{account}: granted, never used", unexplained))
        problems += _rejected_writes(account, calls)
    every_call = [call for token in accounts.values() for call in served_apiserver.calls_by(token)]
    every_idle = {_key(p) for account in accounts for p in unused(permissions[account], every_call)}
    stale = [key for key in ALLOWED_UNUSED if key not in every_idle]
    refused = {_call_key(c) for c in every_call if c.denied}
    stale += [key for key in DENIED_ON_PURPOSE if key not in refused]
    if stale:
        problems.append(_report("allow-list entries this run contradicts", stale))
    assert not problems, "\n".join(problems)


def _allows(permissions: tuple[Permission, ...], call: Call) -> bool:
    return any(permission.allows(call) for permission in permissions)


def _call_key(call: Call) -> tuple[str, str, str]:
    resource = f"{call.resource}/{call.subresource}" if call.subresource else call.resource
    return (call.verb, call.group, resource)


def _key(permission: Permission) -> tuple[str, str, str]:
    return (permission.verb, permission.group, permission.resource)


def _rejected_writes(account: str, calls: list[Call]) -> list[str]:
    return [
        f"{account}: {describe(call)} was refused by the CRD: {call.rejected}"
        for call in calls
        if call.rejected
    ]


async def test_a_secret_outside_rbac_secret_names_stalls_the_object_naming_the_value(
    served_apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = str(served_apiserver.url).rstrip("/")
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server, token=OPERATOR_TOKEN)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    cluster = Cluster(server)
    await _install_crds(cluster)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SERVED}}
    await cluster._call("POST", "/api/v1/namespaces", namespace)
    await cluster.create_secret(SERVED, "aws-creds", {"AWS_ACCESS_KEY_ID": "AKIDX"})
    settings = OperatorSettings(
        namespaces=(SERVED,), git_cache_dir=tmp_path / "git-cache", accounts_check_seconds=0.5
    )
    values = {**chart_values(settings), "rbac": {"secretNames": ["github-token"]}}
    permissions = granted(values, OPERATOR_SA)
    user = f"system:serviceaccount:{NAMESPACE}:{OPERATOR_SA}"
    served_apiserver.authorize(OPERATOR_TOKEN, user, functools.partial(_allows, permissions))
    operator = CompanionOperator(OperatorRuntime(settings))
    await asyncio.to_thread(operator.start)
    tags = Objects(cluster, "projecttags", "ProjectTag", SERVED)
    try:
        await tags.apply(
            "shop",
            {
                "tag": {"key": "Project", "value": "shop"},
                "regions": [REGION],
                "credentials": {"secretRef": {"name": "aws-creds"}},
            },
        )
        obj = await tags.wait_for("shop", observed(1))
    finally:
        await asyncio.to_thread(operator.stop)

    ready = next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "SecretNotFound")
    assert "rbac.secretNames" in ready["message"] and "aws-creds" in ready["message"]
    assert [c.verb for c in served_apiserver.calls_by(OPERATOR_TOKEN) if c.denied] == ["get"]
