"""The emulated API server holds every write to the CRD, as kube-apiserver does.

The operator tests run against tests/operator/apiserver.py; these pin that it validates a
create, a merge patch, a JSON patch and a status-subresource patch against the CRD's structural
schema and CEL rules, answers 422 with the API server's Status body, prunes unknown fields and
applies defaults. And that the operator's own status client surfaces such a 422 instead of
losing it. Mocked: only the API server (kmock; no real one can run here).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import kopf
import pytest

from autcloud.operator.kube import KubeApiError, KubeClient
from tests.crds.manifests import crds
from tests.operator.apiserver import ApiServer, broken_writes
from tests.operator.harness import DESIGNS, Cluster

pytestmark = pytest.mark.asyncio

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
SPEC = {"request": "A web API with PostgreSQL in Seoul"}


def _spec_schema(field: str) -> dict[str, Any]:
    schema = crds()["InfraDesign"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    found: dict[str, Any] = schema["properties"]["spec"]["properties"][field]
    return found


async def _call(
    cluster: Cluster, method: str, path: str, body: Any, content_type: str = "application/json"
) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            cluster.server + path,
            data=json.dumps(body),
            headers={"Content-Type": content_type},
        ) as response,
    ):
        return response.status, await response.json()


def _design(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "InfraDesign",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {**SPEC, **spec},
    }


def _path(name: str = "web", subresource: str = "") -> str:
    path = DESIGNS.format(namespace="default") + f"/{name}"
    return f"{path}/{subresource}" if subresource else path


def _fields(answer: dict[str, Any]) -> list[str]:
    return [cause["field"] for cause in answer["details"]["causes"]]


async def test_a_create_breaking_the_schema_is_422_with_the_api_servers_status_body(
    cluster: Cluster,
) -> None:
    too_long = "x" * (_spec_schema("request")["maxLength"] + 1)

    code, answer = await _call(
        cluster, "POST", DESIGNS.format(namespace="default"), _design(request=too_long)
    )

    assert code == 422
    assert {k: answer[k] for k in ("kind", "apiVersion", "status", "reason", "code")} == {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
    }
    assert answer["message"].startswith('InfraDesign.autcloud.io "web" is invalid: ')
    assert answer["details"]["name"] == "web"
    assert answer["details"]["kind"] == "InfraDesign"
    assert answer["details"]["causes"] == [
        {
            "reason": "FieldValueTooLong",
            "message": f"Too long: may not be longer than {len(too_long) - 1}",
            "field": "spec.request",
        }
    ]
    assert await cluster.get("web") is None  # nothing was stored


async def test_a_merge_patch_breaking_the_schema_is_422_and_changes_nothing(
    cluster: Cluster,
) -> None:
    await cluster.apply("web", SPEC)
    before = await cluster.get("web")
    bad = {"spec": {"conversation": [{"type": "change", "text": "Add a CDN", "id": "k:1"}]}}

    code, answer = await _call(cluster, "PATCH", _path(), bad, MERGE)

    assert code == 422
    assert _fields(answer) == ["spec.conversation[0].id"]
    assert "should match" in answer["details"]["causes"][0]["message"]
    assert await cluster.get("web") == before


async def test_a_json_patch_breaking_a_cel_transition_rule_is_422(cluster: Cluster) -> None:
    entries = [{"type": "change", "text": "Add a CDN", "id": "m1"}]
    await cluster.apply("web", {**SPEC, "conversation": entries})

    # The conversation is append-only (an x-kubernetes-validations rule on oldSelf).
    code, answer = await _call(
        cluster, "PATCH", _path(), [{"op": "remove", "path": "/spec/conversation/0"}], JSON_PATCH
    )

    assert code == 422
    assert _fields(answer) == ["spec.conversation"]
    assert "append-only" in answer["message"]
    stored = await cluster.get("web")
    assert stored is not None and stored["spec"]["conversation"] == entries


async def test_a_status_patch_breaking_the_schema_is_422(cluster: Cluster) -> None:
    await cluster.apply("web", SPEC)

    code, answer = await _call(
        cluster, "PATCH", _path(subresource="status"), {"status": {"phase": "Done"}}, MERGE
    )

    assert code == 422
    assert answer["details"]["causes"][0]["reason"] == "FieldValueNotSupported"
    assert _fields(answer) == ["status.phase"]


async def test_unknown_fields_are_pruned_and_defaults_applied(cluster: Cluster) -> None:
    await cluster.apply("web", {**SPEC, "colour": "red"})
    await _call(
        cluster,
        "PATCH",
        _path(subresource="status"),
        {"status": {"phase": "Ready", "mood": "happy"}},
        MERGE,
    )

    stored = await cluster.get("web")

    assert stored is not None
    assert "colour" not in stored["spec"]
    assert stored["spec"]["provider"] == {"name": "offline"}  # the CRD's default
    assert stored["status"] == {"phase": "Ready"}


async def test_a_spec_patch_cannot_write_status_and_a_status_patch_cannot_write_spec(
    cluster: Cluster,
) -> None:
    await cluster.apply("web", SPEC)
    await _call(cluster, "PATCH", _path(), {"status": {"phase": "Ready"}}, MERGE)
    await _call(cluster, "PATCH", _path(subresource="status"), {"spec": {"suspend": True}}, MERGE)

    stored = await cluster.get("web")

    assert stored is not None
    assert "status" not in stored
    assert stored["spec"]["suspend"] is False
    assert stored["metadata"]["generation"] == 1


async def test_the_operators_status_client_raises_on_a_refused_status_write(
    cluster: Cluster, apiserver: ApiServer
) -> None:
    await cluster.apply("web", SPEC)
    client = KubeClient(kopf.ConnectionInfo(server=cluster.server, token="operator-token"))
    try:
        with pytest.raises(KubeApiError, match="HTTP 422"):
            await client.patch_design_status("default", "web", {"phase": "Done"})
    finally:
        await client.aclose()

    [call] = [call for call in apiserver.calls_by("operator-token")]
    assert (call.verb, call.resource, call.subresource) == ("patch", "infradesigns", "status")
    assert call.rejected is not None and "status.phase" in call.rejected


async def test_a_refused_or_pruned_operator_status_write_is_reported_for_the_test_to_fail(
    cluster: Cluster, apiserver: ApiServer
) -> None:
    # What tests/operator/conftest.py asserts after every operator test.
    await cluster.apply("web", SPEC)
    client = KubeClient(kopf.ConnectionInfo(server=cluster.server, token="operator-token"))
    try:
        await client.patch_design_status("default", "web", {"phase": "Ready", "mood": "happy"})
        with pytest.raises(KubeApiError):
            await client.patch_design_status("default", "web", {"phase": "Done"})
    finally:
        await client.aclose()

    problems = broken_writes(apiserver.calls_by("operator-token"))

    assert len(problems) == 2
    assert "pruned ['status.mood']" in problems[0]
    assert "refused" in problems[1] and "status.phase" in problems[1]
