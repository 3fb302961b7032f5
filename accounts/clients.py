"""boto3 clients for one ProjectTag or MonitorTarget: one session, every region, counted calls.

Credentials come from the spec's Secret (the operator reads it and passes its data) or, without
one, from botocore's usual chain (IRSA, Pod Identity, the environment). Every client shares
adaptive retries and the scanner's :class:`CallCounter`, so tests and benchmarks can count
exactly which API operations a reconcile made.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

import boto3
from botocore.config import Config

from autcloud.scanner.aws import CallCounter

GLOBAL_SERVICE_REGION = "us-east-1"  # CloudFront and other global services answer here
SECRET_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class CredentialsSecretError(ValueError):
    """The credentials Secret lacks a key; names the key, never a value."""


class AwsClients:
    """A client per (service, region), created once and shared by the threads of a reconcile."""

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
    ) -> None:
        self.session = session or boto3.Session()
        self.endpoint_url = endpoint_url
        self.counter = CallCounter()
        self.session.events.register("before-call", self.counter.on_call)
        self.session.events.register("before-send", self.counter.on_send)
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            max_pool_connections=20,
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra="autcloud-accounts",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_spec(
        cls, spec: Mapping[str, Any], secret_data: Mapping[str, str] | None = None
    ) -> AwsClients:
        """Clients for a spec: its ``endpointURL`` and, if given, the referenced Secret's data."""
        endpoint = spec.get("endpointURL") or None
        if secret_data is None:
            return cls(endpoint_url=endpoint)
        missing = [key for key in SECRET_KEYS[:2] if not secret_data.get(key)]
        if missing:
            raise CredentialsSecretError(
                f"the credentials Secret lacks {', '.join(missing)}: add the key(s) to the Secret "
                "named in spec.credentials.secretRef.name"
            )
        session = boto3.Session(
            aws_access_key_id=secret_data["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=secret_data["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=secret_data.get("AWS_SESSION_TOKEN") or None,
        )
        return cls(session, endpoint_url=endpoint)

    def client(self, service: str, region: str) -> Any:
        """A boto3 client (typed ``Any``: each service has its own generated class)."""
        with self._lock:  # creating clients from one session is not thread-safe
            cached = self._clients.get((service, region))
            if cached is None:
                cached = cast(Any, self.session).client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                self._clients[(service, region)] = cached
            return cached

    def operations(self, name: str) -> int:
        """How many times the operation ran, e.g. ``tagging:TagResources``."""
        with self.counter._lock:
            return self.counter.operations[name]
