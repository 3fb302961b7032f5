"""A stand-in for the Kubernetes API's TokenReview and SubjectAccessReview endpoints.

No kube-apiserver can run here, so a small aiohttp server serves the two review endpoints (same
paths, request and response shapes) and records what the gateway asked. Like the API server it
is reached over HTTPS with a certificate from a cluster CA (generated here, with the
``cryptography`` package: the gateway verifies it against the CA file), answers 401 to a caller
without the gateway's service-account token, and decides a SubjectAccessReview from the user's
grants and from the grants of every group in the review's ``groups``.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime
import ipaddress
import shutil
import ssl
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from autcloud.gateway.kube_auth import KubeApiConfig, KubernetesAuthorizer
from tests.gateway.harness import free_port, gateway

GATEWAY_SA_TOKEN = "gateway-service-account-token"
# token -> (username, groups), as a TokenReview reports them
USERS = {
    "alice-token": ("alice", ["devs", "system:authenticated"]),
    "bob-token": ("bob", ["devs", "system:authenticated"]),
    "carol-token": ("carol", ["shop-editors", "system:authenticated"]),
}
# (user or group, verb, namespace, name) that RBAC allows on infradesigns.autcloud.io
GRANTS = {
    ("alice", "get", "team", "shop"),
    ("alice", "patch", "team", "shop"),
    ("bob", "get", "team", "shop"),
    ("shop-editors", "get", "team", "shop"),  # carol is allowed through her group only
    ("shop-editors", "patch", "team", "shop"),
}
# (user, verb, non-resource path) that RBAC allows
NON_RESOURCE_GRANTS = {("alice", "get", "/metrics")}


@dataclass(frozen=True)
class ClusterTls:
    """The cluster CA (what a pod finds in ``ca.crt``) and the API server's certificate."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


@cache
def cluster_tls() -> ClusterTls:
    """A CA, and a serving certificate it signed for localhost, 127.0.0.1 and ::1."""
    folder = Path(tempfile.mkdtemp(prefix="autcloud-kube-ca-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes-test-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tls = ClusterTls(folder / "ca.crt", folder / "apiserver.crt", folder / "apiserver.key")
    tls.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tls


def _unauthorized() -> web.Response:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    return web.json_response(status, status=401)


class FakeApiServer:
    def __init__(self) -> None:
        self.reviews: list[dict[str, Any]] = []
        self.callers: list[str | None] = []
        self.down = False

    def _caller_ok(self, request: web.Request) -> bool:
        caller = request.headers.get("Authorization")
        self.callers.append(caller)
        return caller == f"Bearer {GATEWAY_SA_TOKEN}"

    async def token_review(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=500)
        if not self._caller_ok(request):
            return _unauthorized()
        body = await request.json()
        self.reviews.append(body)
        user = USERS.get(body["spec"]["token"])
        status: dict[str, Any] = {"authenticated": user is not None}
        if user:
            name, groups = user
            status["user"] = {"username": name, "uid": f"uid-{name}", "groups": groups}
        return web.json_response({**body, "status": status}, status=201)

    @property
    def token_reviews(self) -> int:
        return sum(1 for review in self.reviews if review["kind"] == "TokenReview")

    async def access_review(self, request: web.Request) -> web.Response:
        if not self._caller_ok(request):
            return _unauthorized()
        body = await request.json()
        self.reviews.append(body)
        spec = body["spec"]
        subjects = [spec["user"], *spec.get("groups", [])]
        if "nonResourceAttributes" in spec:
            path = spec["nonResourceAttributes"]
            allowed = any(
                (subject, path["verb"], path["path"]) in NON_RESOURCE_GRANTS for subject in subjects
            )
            return web.json_response({**body, "status": {"allowed": allowed}}, status=201)
        attrs = spec["resourceAttributes"]
        allowed = (
            attrs["group"] == "autcloud.io"
            and attrs["resource"] == "infradesigns"
            and any(
                (subject, attrs["verb"], attrs["namespace"], attrs["name"]) in GRANTS
                for subject in subjects
            )
        )
        return web.json_response({**body, "status": {"allowed": allowed}}, status=201)


@asynccontextmanager
async def fake_api_server(host: str = "127.0.0.1") -> AsyncIterator[tuple[FakeApiServer, int]]:
    """The review endpoints over HTTPS on ``host`` (an IPv4 or IPv6 address); (api, port)."""
    api = FakeApiServer()
    app = web.Application()
    app.router.add_post("/apis/authentication.k8s.io/v1/tokenreviews", api.token_review)
    app.router.add_post("/apis/authorization.k8s.io/v1/subjectaccessreviews", api.access_review)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, host, port, ssl_context=cluster_tls().server_context()).start()
    try:
        yield api, port
    finally:
        await runner.cleanup()


@asynccontextmanager
async def kube_gateway(
    redis_url: str,
    *,
    cache_ttl_s: float = 0,
    config: KubeApiConfig | None = None,
    **settings: Any,
) -> AsyncIterator[tuple[str, FakeApiServer]]:
    """A gateway with --kubernetes-auth against a fake API server. ``settings``: the
    KubernetesAuthorizer's ``negative_ttl_s`` and ``cache_limit``, the rest GatewayConfig's.
    ``config`` replaces the default way in (HTTPS to 127.0.0.1, the CA file, the gateway's token);
    its ``server`` may contain ``{port}``."""
    authorizer_settings = {
        key: settings.pop(key) for key in ("negative_ttl_s", "cache_limit") if key in settings
    }
    async with fake_api_server() as (api, port):
        config = config or KubeApiConfig(
            server="https://127.0.0.1:{port}",
            token=GATEWAY_SA_TOKEN,
            ca_file=cluster_tls().ca_file,
        )
        config = dataclasses.replace(config, server=config.server.format(port=port))
        authorizer = KubernetesAuthorizer(config, cache_ttl_s=cache_ttl_s, **authorizer_settings)
        async with gateway(redis_url, authorizer, **settings) as base:
            yield base, api
