"""``--kubernetes-auth``: Kubernetes RBAC decides who may watch or talk to an InfraDesign.

The caller's bearer token goes to a TokenReview (who is this?), then a SubjectAccessReview asks
whether that user may ``get`` (events) or ``patch`` (messages) ``infradesigns.autcloud.io`` named
so in that namespace. Both are plain HTTPS calls to the API server as the gateway's own service
account (which needs ``create`` on tokenreviews and subjectaccessreviews — the
``system:auth-delegator`` ClusterRole grants exactly that).

Answers are cached by a hash of the token, so a thousand clients of one user reconnecting at
once do not become a thousand reviews (concurrent asks for one answer share a single review);
the token itself is never stored, logged or put in an error. The cache is an LRU of
``cache_limit`` answers: "yes" answers live ``cache_ttl_s``, "no" answers (token not valid,
access denied) only ``negative_ttl_s``, so a grant or a fixed token takes effect soon while a
client retrying a bad token does not cost a review per retry. Random new tokens still cost one
review each: the gateway's per-address limit on failed authentication bounds those.

``/metrics`` is allowed to whoever may ``get`` the non-resource URL ``/metrics`` (as the
API server's own ``/metrics``; Prometheus' usual ClusterRole grants it).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from autcloud.gateway.auth import (
    AuthUnavailableError,
    ForbiddenError,
    Identity,
    UnauthenticatedError,
)
from autcloud.gateway.limits import (
    DEFAULT_AUTH_CACHE_SIZE,
    DEFAULT_AUTH_CACHE_TTL_S,
    DEFAULT_AUTH_NEGATIVE_TTL_S,
    ExpiringLru,
)

IN_CLUSTER_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
GROUP = "autcloud.io"
RESOURCE = "infradesigns"
METRICS_PATH = "/metrics"


class KubeConfigError(ValueError):
    """No usable way to reach the Kubernetes API; the message says what to provide."""


@dataclass(frozen=True)
class KubeApiConfig:
    """How the gateway reaches the API server, and as whom."""

    server: str
    token_file: Path | None = None
    token: str | None = None
    ca_file: Path | None = None
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    verify_tls: bool = True

    @classmethod
    def from_environment(
        cls, kubeconfig: str | None = None, *, service_account_dir: Path = IN_CLUSTER_DIR
    ) -> KubeApiConfig:
        """In-cluster service account first, then ``kubeconfig`` / $KUBECONFIG / ~/.kube/config.

        In a pod: ``https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`` (an IPv6 host
        in brackets, as client-go joins them), the mounted token and CA of
        ``service_account_dir`` (the kubelet mounts them at ``IN_CLUSTER_DIR``)."""
        host = os.environ.get("KUBERNETES_SERVICE_HOST")
        if kubeconfig is None and host and (service_account_dir / "token").exists():
            port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
            return cls(
                server=f"https://{_join_host_port(host, port)}",
                token_file=service_account_dir / "token",
                ca_file=service_account_dir / "ca.crt",
            )
        path = kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
        path = path or str(Path.home() / ".kube" / "config")
        if not Path(path).exists():
            raise KubeConfigError(
                "--kubernetes-auth needs the Kubernetes API: run in a cluster (service account) "
                f"or point KUBECONFIG at a kubeconfig (looked for {path})"
            )
        return cls.from_kubeconfig(Path(path))

    @classmethod
    def from_kubeconfig(cls, path: Path, context: str | None = None) -> KubeApiConfig:
        doc: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
        wanted = context or doc.get("current-context")
        ctx = _named(doc.get("contexts"), wanted, "context", path)
        cluster = _named(doc.get("clusters"), ctx.get("cluster"), "cluster", path)
        user = _named(doc.get("users"), ctx.get("user"), "user", path)
        server = cluster.get("server")
        if not server:
            raise KubeConfigError(f"{path}: cluster {ctx.get('cluster')!r} has no 'server'")
        base = path.parent
        return cls(
            server=str(server).rstrip("/"),
            token=user.get("token"),
            token_file=_path(user.get("tokenFile"), base),
            ca_file=_path(cluster.get("certificate-authority"), base)
            or _data_file(cluster.get("certificate-authority-data")),
            client_cert_file=_path(user.get("client-certificate"), base)
            or _data_file(user.get("client-certificate-data")),
            client_key_file=_path(user.get("client-key"), base)
            or _data_file(user.get("client-key-data")),
            verify_tls=not cluster.get("insecure-skip-tls-verify", False),
        )

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.server.startswith("https://"):
            return False
        if not self.verify_tls:
            return False
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        if self.client_cert_file and self.client_key_file:
            context.load_cert_chain(str(self.client_cert_file), str(self.client_key_file))
        return context


def _join_host_port(host: str, port: str) -> str:
    """``host:port``, with an IPv6 address in brackets (``[fd00::1]:443``)."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def _named(items: Any, name: Any, kind: str, path: Path) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            inner = item.get(kind)
            return inner if isinstance(inner, dict) else {}
    raise KubeConfigError(f"{path}: no {kind} named {name!r}")


def _path(value: Any, base: Path) -> Path | None:
    if not value:
        return None
    path = Path(str(value))
    return path if path.is_absolute() else base / path


def _data_file(data: Any) -> Path | None:
    """Inline kubeconfig data (base64) written to a private file, as ``ssl`` wants files."""
    if not data:
        return None
    handle, name = tempfile.mkstemp(prefix="autcloud-kube-")
    with os.fdopen(handle, "wb") as out:
        out.write(base64.b64decode(data))
    return Path(name)


class KubernetesAuthorizer:
    def __init__(
        self,
        config: KubeApiConfig,
        *,
        cache_ttl_s: float = DEFAULT_AUTH_CACHE_TTL_S,
        negative_ttl_s: float = DEFAULT_AUTH_NEGATIVE_TTL_S,
        timeout_s: float = 5.0,
        cache_limit: int = DEFAULT_AUTH_CACHE_SIZE,
    ) -> None:
        self._config = config
        self._cache_ttl_s = cache_ttl_s
        self._negative_ttl_s = min(negative_ttl_s, cache_ttl_s)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._reviews: ExpiringLru[tuple[str, ...], Identity | bool | None] = ExpiringLru(
            cache_limit
        )
        self._pending: dict[tuple[str, ...], asyncio.Future[Identity | bool | None]] = {}
        self._own_token: tuple[float, str | None] = (0.0, None)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def authorize(self, token: str | None, namespace: str, name: str, verb: str) -> Identity:
        identity, token_hash = await self._authenticate(token)
        allowed = await self._cached(
            ("access", token_hash, verb, namespace, name),
            lambda: self._access_review(
                identity,
                {
                    "resourceAttributes": {
                        "namespace": namespace,
                        "verb": verb,
                        "group": GROUP,
                        "resource": RESOURCE,
                        "name": name,
                    }
                },
            ),
        )
        if allowed is not True:
            raise ForbiddenError(
                f"user {identity.username!r} may not {verb} infradesigns/{name} "
                f"in namespace {namespace!r}"
            )
        return identity

    async def authorize_metrics(self, token: str | None) -> Identity:
        identity, token_hash = await self._authenticate(token)
        allowed = await self._cached(
            ("metrics", token_hash),
            lambda: self._access_review(
                identity, {"nonResourceAttributes": {"path": METRICS_PATH, "verb": "get"}}
            ),
        )
        if allowed is not True:
            raise ForbiddenError(f"user {identity.username!r} may not get {METRICS_PATH}")
        return identity

    async def _authenticate(self, token: str | None) -> tuple[Identity, str]:
        if token is None:
            raise UnauthenticatedError("missing bearer token: send 'Authorization: Bearer <token>'")
        token_hash = hashlib.sha256(token.encode(errors="surrogateescape")).hexdigest()
        identity = await self._cached(("user", token_hash), lambda: self._token_review(token))
        if not isinstance(identity, Identity):
            raise UnauthenticatedError("the bearer token is not valid")
        return identity, token_hash

    async def _cached(
        self, key: tuple[str, ...], ask: Callable[[], Awaitable[Identity | bool | None]]
    ) -> Identity | bool | None:
        hit = self._reviews.get(key)
        if hit is not None:
            return hit[0]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(ask())
            self._pending[key] = pending
            pending.add_done_callback(lambda done: self._settle(key, done))
        # shield: one caller giving up (client gone) must not cancel the review the others await
        return await asyncio.shield(pending)

    def _settle(self, key: tuple[str, ...], done: asyncio.Future[Identity | bool | None]) -> None:
        self._pending.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return  # an unreachable API is not an answer: ask again next time
        answer = done.result()
        positive = isinstance(answer, Identity) or answer is True
        self._reviews.put(key, answer, self._cache_ttl_s if positive else self._negative_ttl_s)

    async def _token_review(self, token: str) -> Identity | None:
        body = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": {"token": token},
        }
        status = await self._post("/apis/authentication.k8s.io/v1/tokenreviews", body)
        if not status.get("authenticated"):
            return None
        user = status.get("user") or {}
        extra = user.get("extra") or {}
        return Identity(
            username=str(user.get("username", "")),
            uid=str(user.get("uid", "")),
            groups=tuple(str(g) for g in user.get("groups") or ()),
            extra=tuple((str(k), tuple(str(v) for v in vs)) for k, vs in sorted(extra.items())),
        )

    async def _access_review(self, who: Identity, attributes: dict[str, Any]) -> bool:
        spec: dict[str, Any] = {
            **attributes,
            "user": who.username,
            "groups": list(who.groups),
        }
        if who.uid:
            spec["uid"] = who.uid
        if who.extra:
            spec["extra"] = {key: list(values) for key, values in who.extra}
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": spec,
        }
        status = await self._post("/apis/authorization.k8s.io/v1/subjectaccessreviews", body)
        return status.get("allowed") is True and not status.get("denied")

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._session is None:
            connector = aiohttp.TCPConnector(ssl=self._config.ssl_context())
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        headers = {"Content-Type": "application/json"}
        own = self._own_bearer()
        if own:
            headers["Authorization"] = f"Bearer {own}"
        try:
            async with self._session.post(
                self._config.server + path, json=body, headers=headers
            ) as response:
                if response.status >= 300:
                    review = path.rsplit("/", 1)[-1]
                    raise AuthUnavailableError(
                        f"the Kubernetes API answered {response.status} to {review}"
                    )
                answer: Any = await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AuthUnavailableError(
                f"the Kubernetes API is not reachable ({type(exc).__name__})"
            ) from exc
        status = answer.get("status") if isinstance(answer, dict) else None
        return status if isinstance(status, dict) else {}

    def _own_bearer(self) -> str | None:
        """The gateway's own token; a projected service-account token rotates, so re-read it."""
        if self._config.token:
            return self._config.token
        if self._config.token_file is None:
            return None
        read_at, token = self._own_token
        if time.monotonic() - read_at > 60 or token is None:
            token = self._config.token_file.read_text().strip()
            self._own_token = (time.monotonic(), token)
        return token
