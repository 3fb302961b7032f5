"""kmock's Kubernetes emulator with the gaps kopf 1.45 trips over filled in (test-side only).

kmock 0.8 stores objects as plain dicts. A real API server also: lists ``v1/namespaces`` and
the other built-in resources in discovery; registers the resource of a CRD that is created;
gives every object ``uid``/``resourceVersion``/``creationTimestamp``/``generation``; bumps
``resourceVersion`` on each write and ``generation`` when the spec changes; answers a failed
JSON-patch ``test`` with 422 (kopf's optimistic concurrency relies on it); names objects from
``generateName`` (kopf's Events); and keeps status and spec apart when a status subresource
exists. It also holds every create, update and patch of a custom resource (the status
subresource included) to its CRD, with the write path of tests/crds/apiserver.py: the
structural schema and the x-kubernetes-validations CEL rules are checked, unknown fields are
pruned (kept under x-kubernetes-preserve-unknown-fields), defaults applied, and a violation is
answered 422 with the API server's Status body (reason ``Invalid``, one cause per field).
Every call is recorded (``calls``) with who made it, so tests can check what the operator
asked for against the chart's RBAC (tests/operator/rbac.py).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime
import secrets
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import attrs
import jsonpatch
import kmock
from kmock._internal import dicts, parsing, rendering
from kmock._internal.enums import action

from tests.crds.apiserver import CustomResourceAPI, ErrorType, FieldError, Invalid

CRDS = kmock.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions")
# The gateway's questions to the API server (create-only, cluster-scoped, never stored).
REVIEWS = {
    "TokenReview": kmock.resource("authentication.k8s.io", "v1", "tokenreviews"),
    "SubjectAccessReview": kmock.resource("authorization.k8s.io", "v1", "subjectaccessreviews"),
}
Reviewer = Callable[[str | None, dict[str, Any]], dict[str, Any]]
# The cause reasons of the API server's Status body (metav1.CauseType), by field error type.
_CAUSES = {
    ErrorType.REQUIRED: "FieldValueRequired",
    ErrorType.INVALID: "FieldValueInvalid",
    ErrorType.UNSUPPORTED: "FieldValueNotSupported",
    ErrorType.TOO_LONG: "FieldValueTooLong",
    ErrorType.TOO_MANY: "FieldValueTooMany",
    ErrorType.DUPLICATE: "FieldValueDuplicate",
    ErrorType.FORBIDDEN: "FieldValueForbidden",
}


class PatchConflictError(kmock.KubernetesError):
    pass


class ForbiddenError(kmock.KubernetesError):
    """403 Forbidden: RBAC does not grant the call (see ``ApiServer.authorize``)."""


_kmock_parse_path = parsing.parse_path


def _parse_path(path: str) -> parsing.ParsedPath:
    """kmock reads ``/api/v1/namespaces[/NAME]`` as a namespace prefix and fails on the list;
    the API server reads it as the cluster-scoped ``namespaces`` resource (kopf lists it)."""
    parts = path.strip("/").split("/")
    if parts[:3] == ["api", "v1", "namespaces"] and len(parts) <= 4:
        name = parts[3] if len(parts) == 4 else None
        return parsing.ParsedPath("", "v1", "namespaces", None, name, None)
    return _kmock_parse_path(path)


parsing.parse_path = _parse_path


class SchemaInvalidError(kmock.KubernetesError):
    """422 Invalid: the write breaks the CRD's schema or one of its CEL rules."""

    @classmethod
    def of(cls, invalid: Invalid, group: str, kind: str, name: str) -> SchemaInvalidError:
        return cls(
            status=422,
            reason="Invalid",
            message=str(invalid),
            details={
                "name": name,
                "group": group,
                "kind": kind,
                "causes": [_cause(error) for error in invalid.errors],
            },
        )


def _cause(error: FieldError) -> dict[str, str]:
    text = str(error)
    return {
        "reason": _CAUSES[error.type],
        "message": text.removeprefix(f"{error.path}: "),
        "field": error.path,
    }


@dataclasses.dataclass(frozen=True)
class Call:
    """One API request, as RBAC sees it, and who made it (the bearer token)."""

    verb: str  # get, list, watch, create, update, patch, delete, deletecollection
    group: str  # "" for the core API
    resource: str  # the plural
    subresource: str  # "" when none
    namespace: str | None  # None: a cluster-scoped resource, or across all namespaces
    name: str | None
    token: str | None
    rejected: str | None = None  # the 422 message when the CRD refused the write
    pruned: tuple[str, ...] = ()  # fields the CRD's schema dropped from the write
    denied: bool = False  # answered 403: RBAC does not grant it (ApiServer.authorize)


def _verb(request: rendering.Request) -> str:
    method = str(request.method.value if request.method else "GET").upper()
    if method == "GET":
        if str(request.params.get("watch", "")).lower() in ("true", "1"):
            return "watch"
        return "get" if request.name else "list"
    if method == "DELETE":
        return "delete" if request.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def _token(request: rendering.Request) -> str | None:
    for key, value in request.headers.items():
        if key.lower() == "authorization" and value.lower().startswith("bearer "):
            return value[len("bearer ") :]
    return None


@attrs.define(kw_only=True)
class ApiServer(kmock.KubernetesEmulator):
    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        with warnings.catch_warnings():  # kmock 0.8 reads its bundle with a deprecated call
            warnings.simplefilter("ignore", DeprecationWarning)
            self.resources.load_bundled()

    _latest_version: int = attrs.field(default=1000, init=False)
    # The write path of each custom resource (group/version/plural), from its CRD's schema.
    _schemas: dict[str, CustomResourceAPI] = attrs.field(factory=dict, init=False)
    # Writes are checked against the stored object and applied one at a time, as etcd would.
    _write_lock: asyncio.Lock = attrs.field(factory=asyncio.Lock, init=False)
    calls: list[Call] = attrs.field(factory=list, init=False)
    # RBAC for some bearer tokens: token -> (the account's name, whether a call is granted).
    _rbac: dict[str, tuple[str, Callable[[Call], bool]]] = attrs.field(factory=dict, init=False)

    def _next_version(self) -> str:
        self._latest_version += 1
        return str(self._latest_version)

    def authorize(self, token: str, user: str, granted: Callable[[Call], bool]) -> None:
        """Hold the calls made with ``token`` to RBAC: one ``granted`` refuses is answered 403,
        as the API server answers ``user`` (and recorded with ``denied``)."""
        self._rbac[token] = (user, granted)

    async def _handle(self, request: rendering.Request) -> Any:
        if request.resource is None or not request.resource.plural:
            return await super()._handle(request)  # discovery (/api/v1, ...): everyone may read
        self._check_rbac(request)
        writes = isinstance(request.data, dict | list) and request.action in (
            action.CREATE,
            action.UPDATE,
        )
        if not writes:
            self._record(request)
            return await super()._handle(request)
        async with self._write_lock:
            pruned: list[str] = []
            try:
                if request.action == action.CREATE and isinstance(request.data, dict):
                    pruned = self._on_create(request)
                elif request.action == action.UPDATE and request.name is not None:
                    pruned = self._on_update(request)
            except SchemaInvalidError as error:
                self._record(request, rejected=error.message)
                raise
            self._record(request, pruned=pruned)
            return await super()._handle(request)

    def _record(
        self,
        request: rendering.Request,
        rejected: str | None = None,
        pruned: list[str] | None = None,
    ) -> None:
        call = self._call(request)
        self.calls.append(dataclasses.replace(call, rejected=rejected, pruned=tuple(pruned or ())))

    def _call(self, request: rendering.Request) -> Call:
        assert request.resource is not None
        return Call(
            verb=_verb(request),
            group=request.resource.group or "",
            resource=request.resource.plural or "",
            subresource=request.subresource or "",
            namespace=request.namespace,
            name=request.name,
            token=_token(request),
        )

    def _check_rbac(self, request: rendering.Request) -> None:
        token = _token(request)
        if token is None or token not in self._rbac:
            return
        user, granted = self._rbac[token]
        call = self._call(request)
        if granted(call):
            return
        self.calls.append(dataclasses.replace(call, denied=True))
        where = f'in the namespace "{call.namespace}"' if call.namespace else "at the cluster scope"
        resource = f"{call.resource}/{call.subresource}" if call.subresource else call.resource
        raise ForbiddenError(
            status=403,
            reason="Forbidden",
            message=f'{resource} is forbidden: User "{user}" cannot {call.verb} resource '
            f'"{resource}" in API group "{call.group}" {where}',
            details={"kind": call.resource, "name": call.name or ""},
        )

    def serve_reviews(self, reviewer: Reviewer) -> None:
        """Answer TokenReviews and SubjectAccessReviews: ``reviewer(caller's token, review)``
        gives the review's ``status`` (the caller is the gateway's service account)."""
        for kind, resource in REVIEWS.items():
            self.resources[resource] = kmock.ResourceInfo(
                kind=kind, namespaced=False, verbs={"create"}
            )
            path = f"post /apis/{resource.group}/{resource.version}/{resource.plural}"

            def answer(request: rendering.Request) -> dict[str, Any]:
                review: dict[str, Any] = dict(request.data)
                return {**review, "status": reviewer(_token(request), review)}

            self[path] << answer

    async def store_unchecked(
        self, kind: str, namespace: str, name: str, spec: Mapping[str, Any]
    ) -> None:
        """Put an object in storage without admission, as one written before its CRD gained a
        rule sits in etcd: watchers see it ADDED like any other."""
        key = next(k for k, api in self._schemas.items() if api.kind == kind)
        group, version, plural = key.split("/")
        body = {
            "apiVersion": f"{group}/{version}",
            "kind": kind,
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": str(uuid.uuid4()),
                "resourceVersion": self._next_version(),
                "generation": 1,
                "creationTimestamp": _now(),
            },
            "spec": dict(spec),
        }
        resource = kmock.resource(group, version, plural)
        async with self._write_lock, self._lock:
            self.objects[resource, namespace, name] = body
            await self._buses[resource].put({"type": "ADDED", "object": body})

    def calls_by(self, token: str) -> list[Call]:
        """The calls made with this bearer token (the operator's, the gateway's)."""
        return [call for call in self.calls if call.token == token]

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
            key = f"{spec['group']}/{version['name']}/{names['plural']}"
            self._schemas[key] = CustomResourceAPI(crd, version["name"])
            self.resources[key] = kmock.ResourceInfo(
                kind=names["kind"],
                singular=names.get("singular"),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                verbs={"get", "list", "watch", "create", "patch", "delete"},
                shortnames=set(names.get("shortNames", [])),
                categories=set(names.get("categories", [])),
                subresources=subresources,
            )

    def _has_status(self, resource: kmock.resource) -> bool:
        try:
            return "status" in self.resources[resource].subresources
        except KeyError:
            return False

    def _schema(self, resource: kmock.resource) -> CustomResourceAPI | None:
        return self._schemas.get(f"{resource.group}/{resource.version}/{resource.plural}")

    def _on_create(self, request: rendering.Request) -> list[str]:
        """Fill in what the server owns, then hold the object to its CRD; the pruned fields."""
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
        assert request.resource is not None
        if request.resource in REVIEWS.values() and not meta.get("name"):
            meta["name"] = "review-" + secrets.token_hex(6)  # kmock keeps objects by name
        if request.resource == CRDS:
            self.register_crd(data)
            return []
        if self._has_status(request.resource):
            data.pop("status", None)
        api = self._schema(request.resource)
        if api is None:
            return []
        try:
            stored = api.create(data)
        except Invalid as invalid:
            raise SchemaInvalidError.of(invalid, api.group, api.kind, meta["name"]) from None
        data.clear()
        data.update(stored.object)
        return _pruned(stored.warnings)

    def _on_update(self, request: rendering.Request) -> list[str]:
        """Apply the patch to a copy, hold the result to the CRD, and turn the request into a
        JSON patch from the stored object to the admitted one; the pruned fields."""
        assert request.resource is not None and request.name is not None
        key = (request.resource, request.namespace, request.name)
        if key not in self.objects or self.objects[key].deleted:
            return []  # kmock answers 404
        current = copy.deepcopy(self.objects[key].raw)
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
                ops = [o for o in ops if o["op"] == "test" or o["path"].startswith("/status")]
            after: dict[str, Any] = jsonpatch.apply_patch(current, ops)
        else:
            data: dict[str, Any] = dict(request.data)
            if status_only:
                data = {"status": data["status"]} if "status" in data else {}
            elif self._has_status(request.resource):
                data.pop("status", None)
            after = dict(dicts.merge_patch_dict(current, data))
        pruned: list[str] = []
        api = self._schema(request.resource)
        if status_only and "status" not in after:
            after = copy.deepcopy(current)  # a status write that names no status changes nothing
        elif api is not None:
            try:
                stored = (
                    api.update_status(current, after["status"])
                    if status_only
                    else api.update(current, after)
                )
            except Invalid as invalid:
                raise SchemaInvalidError.of(invalid, api.group, api.kind, request.name) from None
            after, pruned = stored.object, _pruned(stored.warnings)
        meta = after.setdefault("metadata", {})
        meta["resourceVersion"] = self._next_version()
        if not status_only and after.get("spec") != current.get("spec"):
            meta["generation"] = int(current["metadata"].get("generation", 1)) + 1
        # kmock stores what the request says: say exactly the admitted change.
        object.__setattr__(request, "data", jsonpatch.make_patch(current, after).patch)
        return pruned


def broken_writes(calls: list[Call]) -> list[str]:
    """The writes that lost something: a status the API server refused (only the operator
    writes status, so it meant every field of it) or any field the schema pruned."""
    return [
        f"{call.verb} {call.resource}/{call.subresource} {call.name}: "
        + (f"refused: {call.rejected}" if call.rejected else f"pruned {list(call.pruned)}")
        for call in calls
        if call.pruned or (call.rejected and call.subresource == "status")
    ]


def _pruned(warnings: list[str]) -> list[str]:
    return [warning.removeprefix('unknown field "').removesuffix('"') for warning in warnings]


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
