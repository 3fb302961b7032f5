"""The boto3 side of a scan: clients with adaptive retries, call counting, error triage.

Every client of a scan comes from one :class:`AwsAccess`, so they share the retry policy, the
connection pool size and the API call counter (botocore's ``before-call``/``before-send``
events). Endpoints are botocore's own business: ``AWS_ENDPOINT_URL`` and the per-service
``AWS_ENDPOINT_URL_<SERVICE>`` variables work, which is how the tests reach a moto server.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from autcloud.scanner.errors import ScanCredentialsError, ScanEndpointError, ScanError

# Error codes meaning "these credentials are not accepted", whatever the service.
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "AuthFailure",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
        "RequestExpired",
    }
)
UNREACHABLE_ERRORS = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ConnectionClosedError,
    ReadTimeoutError,
)


@dataclass
class CallCounter:
    """API operations (one per boto3 call) and HTTP requests (retries included), thread-safe."""

    operations: Counter[str] = field(default_factory=Counter)
    http_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_call(self, model: Any = None, **_: Any) -> None:
        name = f"{model.service_model.endpoint_prefix}:{model.name}" if model else "unknown"
        with self._lock:
            self.operations[name] += 1

    def on_send(self, **_: Any) -> None:
        with self._lock:
            self.http_requests += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.operations.values())


@dataclass(frozen=True)
class AccessSettings:
    """How clients behave; the defaults suit a scan of a real account."""

    region: str
    profile: str | None = None
    endpoint_url: str | None = None  # None: botocore's own resolution (AWS_ENDPOINT_URL, ...)
    max_attempts: int = 8
    concurrency: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


class AwsAccess:
    """Clients for one region (plus us-east-1 for global services), created once, shared."""

    def __init__(self, settings: AccessSettings) -> None:
        self.settings = settings
        self.counter = CallCounter()
        try:
            self._session = boto3.Session(
                profile_name=settings.profile, region_name=settings.region
            )
        except BotoCoreError as error:  # an unknown profile, a broken config file
            raise ScanCredentialsError(f"cannot load the AWS configuration: {error}") from error
        events = self._session.events
        events.register("before-call", self.counter.on_call)
        events.register("before-send", self.counter.on_send)
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": settings.max_attempts},
            max_pool_connections=max(10, settings.concurrency * 2),
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            user_agent_extra="autcloud-scanner",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client (typed ``Any``: each service has its own generated class)."""
        region = region or self.settings.region
        with self._lock:  # creating clients from one session is not thread-safe
            cached = self._clients.get((service, region))
            if cached is None:
                # Any: each service has its own generated client class.
                cached = cast(Any, self._session).client(
                    service,
                    region_name=region,
                    endpoint_url=self.settings.endpoint_url,
                    config=self._config,
                )
                self._clients[(service, region)] = cached
            return cached

    def identity(self) -> dict[str, str]:
        """STS GetCallerIdentity with few retries: fails fast on bad credentials or endpoint."""
        quick = self._config.merge(Config(retries={"mode": "standard", "max_attempts": 2}))
        with translate_fatal_errors("sts:GetCallerIdentity"):
            sts = self._session.client("sts", endpoint_url=self.settings.endpoint_url, config=quick)
            answer = sts.get_caller_identity()
        return {"account": str(answer.get("Account", "")), "arn": str(answer.get("Arn", ""))}


@contextmanager
def translate_fatal_errors(doing: str) -> Iterator[None]:
    """Turn credential and connection failures into :class:`ScanError` with a clear message."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        fatal = fatal_error(error, doing)
        if fatal is not None:
            raise fatal from error
        raise


def fatal_error(error: BaseException, doing: str) -> ScanError | None:
    """The scan-stopping error ``error`` stands for, or None if the scan may go on."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return ScanCredentialsError(
            "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY), or run inside a role"
        )
    if isinstance(error, NoRegionError):
        return ScanError("no AWS region given: pass --region")
    if isinstance(error, UNREACHABLE_ERRORS):
        endpoint = getattr(error, "kwargs", {}).get("endpoint_url", "")
        where = f" {endpoint}" if endpoint else ""
        return ScanEndpointError(
            f"cannot reach the AWS endpoint{where} ({doing}): check the network, the region "
            "and AWS_ENDPOINT_URL"
        )
    if isinstance(error, ClientError) and error_code(error) in CREDENTIAL_ERROR_CODES:
        return ScanCredentialsError(
            f"AWS rejected the credentials ({error_code(error)} on {doing}): check AWS_PROFILE "
            "or the access key, and that it has not expired"
        )
    return None


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def pages(client: Any, operation: str, result_key: str, **arguments: Any) -> Iterator[Any]:
    """Every item of a paginated list operation (botocore's paginator follows the tokens)."""
    paginator = client.get_paginator(operation)
    for page in paginator.paginate(**arguments):
        yield from page.get(result_key, []) or []
