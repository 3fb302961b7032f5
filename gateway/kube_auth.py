"""``--kubernetes-auth``: Kubernetes RBAC decides who may watch or talk to an InfraDesign.

The caller's bearer token goes to a TokenReview (who is this?), then a SubjectAccessReview asks
whether that user may ``get`` (events) or ``patch`` (messages) ``infradesigns.autcloud.io`` named
so in that namespace. Both are plain HTTPS calls to the API server as the gateway's own service
account (which needs ``create`` on tokenreviews and subjectaccessreviews — the
``system:auth-delegator`` ClusterRole grants exactly that).

Answers are cached briefly (``cache_ttl_s``) by a hash of the token, so a thousand clients of one
user reconnecting at once do not become a thousand reviews; the token itself is never stored,
logged or put in an error.
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import tempfile
import time
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

IN_CLUSTER_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
GROUP = "autcloud.io"
RESOURCE = "infradesigns"


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
    def from_environment(cls, kubeconfig: str | None = None) -> KubeApiConfig:
        """In-cluster service account first, then ``kubeconfig`` / $KUBECONFIG / ~/.kube/config."""
        host = os.environ.get("KUBERNETES_SERVICE_HOST")
        if kubeconfig is None and host and (IN_CLUSTER_DIR / "token").exists():
            port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
            return cls(
                server=f"https://{host}:{port}",
                token_file=IN_CLUSTER_DIR / "token",
                ca_file=IN_CLUSTER_DIR / "ca.crt",
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
        cache_ttl_s: float = 10.0,
        timeout_s: float = 5.0,
        cache_limit: int = 10_000,
    ) -> None:
        self._config = config
        self._cache_ttl_s = cache_ttl_s
        self._cache_limit = cache_limit
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._reviews: dict[tuple[str, ...], tuple[float, Identity | bool | None]] = {}
        self._own_token: tuple[float, str | None] = (0.0, None)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def authorize(self, token: str | None, namespace: str, name: str, verb: str) -> Identity:
        if token is None:
            raise UnauthenticatedError("missing bearer token: send 'Authorization: Bearer <token>'")
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        identity = await self._cached(("user", token_hash), lambda: self._token_review(token))
        if not isinstance(identity, Identity):
            raise UnauthenticatedError("the bearer token is not valid")
        allowed = await self._cached(
            ("access", token_hash, verb, namespace, name),
            lambda: self._access_review(identity, namespace, name, verb),
        )
        if allowed is not True:
            raise ForbiddenError(
                f"user {identity.username!r} may not {verb} infradesigns/{name} "
                f"in namespace {namespace!r}"
            )
        return identity

    async def _cached(self, key: tuple[str, ...], ask: Any) -> Any:
        now = time.monotonic()
        hit = self._reviews.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        answer = await ask()
        if len(self._reviews) >= self._cache_limit:
            self._reviews.clear()  # crude but bounded; reviews are cheap to redo
        self._reviews[key] = (now + self._cache_ttl_s, answer)
        return answer

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

    async def _access_review(self, who: Identity, namespace: str, name: str, verb: str) -> bool:
        spec: dict[str, Any] = {
            "resourceAttributes": {
                "namespace": namespace,
                "verb": verb,
                "group": GROUP,
                "resource": RESOURCE,
                "name": name,
            },
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
