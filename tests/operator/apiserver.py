"""kmock's Kubernetes emulator with the gaps kopf 1.45 trips over filled in (test-side only).

kmock 0.8 stores objects as plain dicts. A real API server also: lists ``v1/namespaces`` and
the other built-in resources in discovery; registers the resource of a CRD that is created;
gives every object ``uid``/``resourceVersion``/``creationTimestamp``/``generation``; bumps
``resourceVersion`` on each write and ``generation`` when the spec changes; answers a failed
JSON-patch ``test`` with 422 (kopf's optimistic concurrency relies on it); names objects from
``generateName`` (kopf's Events); and keeps status and spec apart when a status subresource
exists. This subclass does those things, and nothing more.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import secrets
import uuid
import warnings
from collections.abc import AsyncIterator, Mapping
from typing import Any

import attrs
import jsonpatch
import kmock
from kmock._internal import dicts, rendering
from kmock._internal.enums import action

CRDS = kmock.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions")


class PatchConflictError(kmock.KubernetesError):
    pass


@attrs.define(kw_only=True)
class ApiServer(kmock.KubernetesEmulator):
    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        with warnings.catch_warnings():  # kmock 0.8 reads its bundle with a deprecated call
            warnings.simplefilter("ignore", DeprecationWarning)
            self.resources.load_bundled()

    _latest_version: int = attrs.field(default=1000, init=False)

    def _next_version(self) -> str:
        self._latest_version += 1
        return str(self._latest_version)

    async def _handle(self, request: rendering.Request) -> Any:
        if request.resource is not None and isinstance(request.data, dict | list):
            if request.action == action.CREATE and isinstance(request.data, dict):
                self._on_create(request)
            elif request.action == action.UPDATE and request.name is not None:
                self._on_update(request)
        return await super()._handle(request)

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[Any]:
        # kmock snapshots the objects, yields them, and only then starts listening to changes:
        # a change in between is lost. Start listening before the snapshot, as the API does.
        yield b""
        assert request.resource is not None
        bus = self._buses[request.resource]
        # A watch from a list's resourceVersion starts after it (kmock replays everything, and
        # kopf then acts on stale copies and waits forever for a fresher one).
        since = str(request.params.get("resourceVersion") or "")
        newer = int(since) if since.isdigit() else 0
        async with self._lock:
            marker = await bus.mark()
            objs = self._KubernetesEmulator__get_objs(request, strict=False)  # type: ignore[attr-defined]
            events = [
                {"type": "ADDED", "object": obj.raw}
                for obj in objs
                if not obj.deleted and _version(obj.raw) > newer
            ]
        try:
            for event in events:
                yield event
            async for event in bus.stream(since=marker):
                meta = event.get("object", {}).get("metadata", {})
                if event.get("type") != "DELETED" and _version(event.get("object", {})) <= newer:
                    continue
                if self._KubernetesEmulator__check(  # type: ignore[attr-defined]
                    request, request.resource, meta.get("namespace"), meta.get("name"), strict=False
                ):
                    yield event
        finally:
            await bus.unmark(marker)

    async def _serve_list(self, request: rendering.Request) -> Any:
        # kmock's list has no kind and a placeholder resourceVersion; kubectl and watches need both.
        result = await super()._serve_list(request)
        assert request.resource is not None and isinstance(result, dict)
        info = self.resources[request.resource]
        group = request.resource.group
        result["apiVersion"] = f"{group}/{request.resource.version}" if group else "v1"
        result["kind"] = f"{info.kind}List"
        result["metadata"] = {"resourceVersion": str(self._latest_version)}
        return result

    def register_crd(self, crd: Mapping[str, Any]) -> None:
        spec = crd["spec"]
        names = spec["names"]
        for version in spec["versions"]:
            subresources = set((version.get("subresources") or {}).keys())
            self.resources[f"{spec['group']}/{version['name']}/{names['plural']}"] = (
                kmock.ResourceInfo(
                    kind=names["kind"],
                    singular=names.get("singular"),
                    namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                    verbs={"get", "list", "watch", "create", "patch", "delete"},
                    shortnames=set(names.get("shortNames", [])),
                    categories=set(names.get("categories", [])),
                    subresources=subresources,
                )
            )

    def _has_status(self, resource: kmock.resource) -> bool:
        try:
            return "status" in self.resources[resource].subresources
        except KeyError:
            return False

    def _on_create(self, request: rendering.Request) -> None:
        data: dict[str, Any] = request.data
        meta = data.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + secrets.token_hex(3)
        if request.namespace and not meta.get("namespace"):
            meta["namespace"] = request.namespace
        meta["uid"] = str(uuid.uuid4())
        meta["resourceVersion"] = self._next_version()
        meta["generation"] = 1
        meta["creationTimestamp"] = _now()
        if request.resource == CRDS:
            self.register_crd(data)
        elif self._has_status(request.resource):  # type: ignore[arg-type]
            data.pop("status", None)

    def _on_update(self, request: rendering.Request) -> None:
        assert request.resource is not None and request.name is not None
        key = (request.resource, request.namespace, request.name)
        if key not in self.objects or self.objects[key].deleted:
            return  # kmock answers 404
        current = copy.deepcopy(self.objects[key].raw)
        version = self._next_version()
        status_only = request.subresource == "status"
        if isinstance(request.data, list):
            ops: list[dict[str, Any]] = request.data
            for op in ops:
                if op.get("op") == "test":
                    try:
                        jsonpatch.apply_patch(current, [op])
                    except jsonpatch.JsonPatchTestFailed:
                        raise PatchConflictError(
                            status=422, reason="Invalid", message="the object has been modified"
                        ) from None
            if status_only:
                ops[:] = [o for o in ops if o["op"] == "test" or o["path"].startswith("/status")]
            after = jsonpatch.apply_patch(current, ops)
            ops.append({"op": "add", "path": "/metadata/resourceVersion", "value": version})
            if not status_only and after.get("spec") != current.get("spec"):
                generation = int(current["metadata"].get("generation", 1)) + 1
                ops.append({"op": "add", "path": "/metadata/generation", "value": generation})
            return
        data: dict[str, Any] = request.data
        if status_only:
            for field in [f for f in data if f != "status"]:
                del data[field]
        elif self._has_status(request.resource):
            data.pop("status", None)
        after = dicts.merge_patch_dict(current, data)
        meta = data.setdefault("metadata", {})
        meta["resourceVersion"] = version
        if not status_only and after.get("spec") != current.get("spec"):
            meta["generation"] = int(current["metadata"].get("generation", 1)) + 1


def _version(obj: Mapping[str, Any]) -> int:
    text = str(obj.get("metadata", {}).get("resourceVersion") or "0")
    return int(text) if text.isdigit() else 0


def _now() -> str:
    return (
        datetime.datetime.now(datetime.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )


async def _serve_forever(port: int) -> None:
    async with ApiServer() as server, kmock.Server(server, port=port) as http:
        print(str(http.url).rstrip("/"), flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":  # python -m tests.operator.apiserver [PORT]: for benchmarks
    import sys

    asyncio.run(_serve_forever(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
