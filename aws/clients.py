"""boto3 clients: one session, a client per (service, region), one retry policy, counted calls.

Every client of a run comes from one :class:`AwsClients`, so they share the retry policy
(:mod:`autcloud.aws.retry`), the connection pool, the timeouts and the :class:`CallCounter`
(botocore's ``before-call``/``before-send`` events), and tests and benchmarks can count exactly
which API operations a run made. Endpoints: an explicit ``endpoint_url`` (``--endpoint-url``,
``spec.endpointURL``), else botocore's own resolution (``AWS_ENDPOINT_URL`` and the
per-service ``AWS_ENDPOINT_URL_<SERVICE>``), which is how the tests reach a moto server.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from autcloud.aws.calls import CallCounter
from autcloud.aws.credentials import session_from_secret
from autcloud.aws.errors import AwsCredentialsError, translate_fatal_errors
from autcloud.aws.retry import request_retries

GLOBAL_SERVICE_REGION = "us-east-1"  # CloudFront and other global services answer here


class AwsClients:
    """A client per (service, region), created once and shared by the threads of a run."""

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int = 5,
        pool_size: int = 20,
        user_agent: str = "autcloud-accounts",
    ) -> None:
        self.session = session or boto3.Session()
        self.endpoint_url = endpoint_url
        self.region = region  # the region of client(service) without one (None: the session's)
        self.counter = CallCounter()
        self.session.events.register("before-call", self.counter.on_call)
        self.session.events.register("before-send", self.counter.on_send)
        self._config = Config(
            retries=request_retries(max_attempts),  # type: ignore[arg-type]
            max_pool_connections=pool_size,
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra=user_agent,
        )
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_profile(cls, profile: str | None, region: str, **options: Any) -> AwsClients:
        """Clients from a profile (None: the usual chain) for ``region``; a broken profile or
        configuration file is an :class:`AwsCredentialsError`."""
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except BotoCoreError as error:  # an unknown profile, a broken config file
            raise AwsCredentialsError(f"cannot load the AWS configuration: {error}") from error
        return cls(session, region=region, **options)

    @classmethod
    def from_spec(
        cls, spec: Mapping[str, Any], secret_data: Mapping[str, str] | None = None
    ) -> AwsClients:
        """Clients for a ProjectTag or MonitorTarget spec: its ``endpointURL`` and, if given,
        the referenced Secret's data (else the operator's own identity)."""
        endpoint = spec.get("endpointURL") or None
        if secret_data is None:
            return cls(endpoint_url=endpoint)
        return cls(session_from_secret(secret_data), endpoint_url=endpoint)

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client (typed ``Any``: each service has its own generated class)."""
        region = region or self.region
        with self._lock:  # creating clients from one session is not thread-safe
            cached = self._clients.get((service, region))
            if cached is None:
                cached = cast(Any, self.session).client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                self._clients[(service, region)] = cached
            return cached

    def identity(self) -> dict[str, str]:
        """STS GetCallerIdentity with few retries: fails fast on bad credentials or endpoint."""
        quick = self._config.merge(Config(retries=request_retries(2, mode="standard")))  # type: ignore[arg-type]
        with translate_fatal_errors("sts:GetCallerIdentity"):
            sts = cast(Any, self.session).client(
                "sts", region_name=self.region, endpoint_url=self.endpoint_url, config=quick
            )
            answer = sts.get_caller_identity()
        return {"account": str(answer.get("Account", "")), "arn": str(answer.get("Arn", ""))}

    def operations(self, name: str) -> int:
        """How many times the operation ran, e.g. ``tagging:TagResources``."""
        return self.counter.count(name)
