"""Long conversations: earlier turns move to ConfigMaps, so chat never meets the CRD's cap.

The InfraDesign CRD caps ``spec.conversation`` at 100 entries (``maxItems``; its CEL rule on
unique ids is quadratic, and etcd caps an object at 1.5 MiB). A chat goes on past that: when a
message finds ``ARCHIVE_AT`` (20) entries or more, the operator moves them, unchanged, into a
ConfigMap of the design — an *archive chunk* — and the message becomes the only entry of the
list, in one JSON patch guarded by ``resourceVersion`` (``chat.ConversationAppender``). Why 20,
not 100: the spec stays small (every write re-checks the quadratic rule; a GitOps diff or
``kubectl get -o yaml`` stays readable) at the price of more, smaller chunks. The CRD's
append-only rule lets exactly this through (a list of 20 or more may become one entry).
The annotation ``autcloud.io/conversation-archive`` counts the chunks; chunk ``i`` is the
ConfigMap ``autcloud-conversation-<uid>-<i>`` in the design's namespace (key ``turns.json``, a
JSON list of the entries as they were in the spec), owned by the design, so Kubernetes deletes
the chunks with it and a design created again under the same name (another uid) never reads
the old ones.

Each reconcile reads the whole conversation: the chunks in order, then ``spec.conversation``
(:func:`full_spec`), so the design is the same as if the spec held every turn, and moving turns
changes nothing it computes (the input hash covers the turns, not where they are kept).
A chunk holds at most 100 entries (what ``kubectl`` may have written) of at most 2,000
characters: under 1 MiB, a ConfigMap's cap, whatever the characters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from autcloud.operator.kube import KubeApiError, KubeClient
from autcloud.operator.settings import GROUP, VERSION

ARCHIVE_ANNOTATION = "autcloud.io/conversation-archive"
# A message finding this many entries moves them to a chunk; the CRD's append-only rule names
# the same number (tests/operator/test_chat_kmock.py compares them).
ARCHIVE_AT = 20
CHUNK_KEY = "turns.json"


def chunk_name(uid: str, index: int) -> str:
    return f"autcloud-conversation-{uid}-{index}"


def archived_chunks(meta: Mapping[str, Any]) -> int:
    """How many archive chunks the design has (0 without the annotation)."""
    value = str((meta.get("annotations") or {}).get(ARCHIVE_ANNOTATION) or "0")
    return int(value) if value.isdigit() else 0


def chunk_object(design: Mapping[str, Any], index: int, turns: list[Any]) -> dict[str, Any]:
    """The ConfigMap of chunk ``index``: the turns, owned by the design."""
    meta = design.get("metadata") or {}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": chunk_name(str(meta.get("uid")), index),
            "namespace": meta.get("namespace"),
            "labels": {
                "app.kubernetes.io/managed-by": "autcloud",
                "app.kubernetes.io/component": "conversation-archive",
            },
            "ownerReferences": [
                {
                    "apiVersion": f"{GROUP}/{VERSION}",
                    "kind": "InfraDesign",
                    "name": meta.get("name"),
                    "uid": meta.get("uid"),
                }
            ],
        },
        "data": {CHUNK_KEY: json.dumps(turns, ensure_ascii=False)},
    }


async def write_chunk(
    client: KubeClient, design: Mapping[str, Any], index: int, turns: list[Any]
) -> None:
    """Create chunk ``index``; an identical one left by an interrupted earlier try is kept."""
    body = chunk_object(design, index, turns)
    namespace = body["metadata"]["namespace"]
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    status, answer = await client.call("POST", path, body)
    if status == 409:  # written before, by a try whose patch then failed: it must match
        status, answer = await client.call("GET", f"{path}/{body['metadata']['name']}")
        if status < 400 and (answer.get("data") or {}).get(CHUNK_KEY) == body["data"][CHUNK_KEY]:
            return
        raise KubeApiError(
            f"conversation archive {body['metadata']['name']} exists with other turns "
            f"(HTTP {status}); delete it or the design"
        )
    if status >= 400:
        raise KubeApiError(
            f"writing conversation archive {body['metadata']['name']}: HTTP {status} "
            f"{str(answer.get('message', ''))[:200]}"
        )


async def read_chunk(client: KubeClient, namespace: str, uid: str, index: int) -> list[Any]:
    """The turns of one archive chunk (KubeApiError when it cannot be read)."""
    name = chunk_name(uid, index)
    status, answer = await client.call("GET", f"/api/v1/namespaces/{namespace}/configmaps/{name}")
    if status >= 400:
        raise KubeApiError(f"reading conversation archive {namespace}/{name}: HTTP {status}")
    turns = json.loads((answer.get("data") or {}).get(CHUNK_KEY) or "[]")
    return list(turns) if isinstance(turns, list) else []


async def read_archive(client: KubeClient, namespace: str, meta: Mapping[str, Any]) -> list[Any]:
    """Every archived turn of the design, oldest first."""
    turns: list[Any] = []
    for index in range(archived_chunks(meta)):
        turns.extend(await read_chunk(client, namespace, str(meta.get("uid")), index))
    return turns


async def full_spec(
    client: KubeClient | None, namespace: str, meta: Mapping[str, Any], spec: Mapping[str, Any]
) -> dict[str, Any]:
    """The spec with its whole conversation: archived turns first, then ``spec.conversation``."""
    if not archived_chunks(meta):
        return dict(spec)
    if client is None:
        raise KubeApiError("not logged in to Kubernetes yet: the archived conversation waits")
    archived = await read_archive(client, namespace, meta)
    return {**spec, "conversation": archived + list(spec.get("conversation") or [])}
