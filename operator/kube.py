"""The little of the Kubernetes API the operator calls itself (kopf does the rest).

Reading a Secret (the git token), writing the phase while a run works and the leader
election's Lease (``leader.py``) all go through the same connection kopf logged in with
(:class:`kopf.ConnectionInfo`). Secret values are returned to the caller only, never logged
or put into an error message.
"""

from __future__ import annotations

import base64
import logging
import ssl
import tempfile
from collections.abc import Mapping
from typing import Any

import aiohttp
import kopf

from autcloud.operator.settings import GROUP, PLURAL, VERSION
from autcloud.operator.targets import SecretValue

log = logging.getLogger("autcloud.operator.kube")


class KubeApiError(Exception):
    """The API answered with an error (the message never holds a Secret's value)."""


class KubeClient:
    def __init__(self, info: kopf.ConnectionInfo) -> None:
        self._info = info
        self._server = info.server.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def read_secret(self, namespace: str, name: str, key: str) -> str | None:
        """The decoded value of ``key`` in the Secret, or None when either does not exist."""
        found = await self.read_labeled_secret(namespace, name, key)
        return found.value if found is not None else None

    async def read_labeled_secret(self, namespace: str, name: str, key: str) -> SecretValue | None:
        """``key``'s decoded value (None: no such key) and the Secret's labels, in one read;
        None when the Secret does not exist."""
        url = f"{self._server}/api/v1/namespaces/{namespace}/secrets/{name}"
        async with self._http().get(url) as response:
            if response.status == 404:
                return None
            if response.status >= 400:
                raise KubeApiError(f"reading Secret {namespace}/{name}: HTTP {response.status}")
            body: Mapping[str, Any] = await response.json()
        labels = {str(k): str(v) for k, v in (body.get("metadata", {}).get("labels") or {}).items()}
        data = body.get("data") or {}
        if key in data:
            return SecretValue(base64.b64decode(data[key]).decode(), labels)
        plain = body.get("stringData") or {}  # only emulators keep stringData; harmless
        value = plain.get(key)
        return SecretValue(str(value) if value is not None else None, labels)

    async def patch_design_status(
        self, namespace: str, name: str, status: Mapping[str, Any]
    ) -> None:
        url = f"{self._server}/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}/{name}/status"
        headers = {"Content-Type": "application/merge-patch+json"}
        async with self._http().patch(url, json={"status": status}, headers=headers) as response:
            if response.status >= 400:
                raise KubeApiError(f"patching {namespace}/{name} status: HTTP {response.status}")

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
    ) -> tuple[int, dict[str, Any]]:
        """One request to ``path`` (from ``/api``/``/apis``): the status and the JSON body.

        For objects without a Secret's data (the leader election's Lease); errors are the
        caller's to read from the status."""
        headers = {"Content-Type": content_type}
        async with self._http().request(
            method, self._server + path, json=body, headers=headers
        ) as response:
            try:
                answer = await response.json(content_type=None)
            except ValueError:
                answer = None
        return response.status, answer if isinstance(answer, dict) else {}

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            headers: dict[str, str] = {}
            auth = None
            if self._info.token:
                headers["Authorization"] = f"{self._info.scheme or 'Bearer'} {self._info.token}"
            elif self._info.username and self._info.password:
                auth = aiohttp.BasicAuth(self._info.username, self._info.password)
            connector = aiohttp.TCPConnector(ssl=self._ssl(), limit=20)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return self._session

    def _ssl(self) -> ssl.SSLContext | bool:
        info = self._info
        if not self._server.startswith("https://"):
            return False
        if info.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            cadata = _text(info.ca_data)
            context = ssl.create_default_context(
                cafile=str(info.ca_path) if info.ca_path else None, cadata=cadata
            )
        certificate = _file(info.certificate_path, info.certificate_data)
        private_key = _file(info.private_key_path, info.private_key_data)
        if certificate:
            context.load_cert_chain(certificate, private_key)
        return context


def _text(data: str | bytes | None) -> str | None:
    if data is None:
        return None
    raw = data if isinstance(data, bytes) else data.encode()
    try:  # kubeconfig carries base64; in-cluster files carry PEM
        decoded = base64.b64decode(raw, validate=True)
    except ValueError:
        decoded = raw
    return decoded.decode()


def _file(path: Any, data: str | bytes | None) -> str | None:
    if path:
        return str(path)
    text = _text(data)
    if text is None:
        return None
    handle = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)  # noqa: SIM115
    with handle:
        handle.write(text)
    return handle.name
