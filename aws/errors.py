"""AWS failures in one vocabulary: error codes by meaning, and the failures that stop a run.

A run (a scan, a tagging or monitoring reconcile) cannot go on without credentials AWS accepts
or an endpoint it can reach: :func:`fatal_error` names those with a sentence a person can act
on. Anything else is a failure of one call, which the caller reports and survives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
UNREACHABLE_ERRORS = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ConnectionClosedError,
    ReadTimeoutError,
)


class AwsAccessError(RuntimeError):
    """AWS cannot be read at all (no region, no credentials, no endpoint); nothing was done."""


class AwsCredentialsError(AwsAccessError):
    """No credentials, or credentials AWS (or the endpoint) rejected."""


class AwsEndpointError(AwsAccessError):
    """The AWS endpoint could not be reached."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def fatal_error(error: BaseException, doing: str) -> AwsAccessError | None:
    """The run-stopping error ``error`` stands for, or None if the run may go on."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return AwsCredentialsError(
            "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY), or run inside a role"
        )
    if isinstance(error, NoRegionError):
        return AwsAccessError("no AWS region given: pass --region")
    if isinstance(error, UNREACHABLE_ERRORS):
        endpoint = getattr(error, "kwargs", {}).get("endpoint_url", "")
        where = f" {endpoint}" if endpoint else ""
        return AwsEndpointError(
            f"cannot reach the AWS endpoint{where} ({doing}): check the network, the region "
            "and AWS_ENDPOINT_URL"
        )
    if isinstance(error, ClientError) and error_code(error) in CREDENTIAL_ERROR_CODES:
        return AwsCredentialsError(
            f"AWS rejected the credentials ({error_code(error)} on {doing}): check AWS_PROFILE "
            "or the access key, and that it has not expired"
        )
    return None


def failure_code(error: ClientError | BotoCoreError) -> str:
    """The error code of a failed call, or the exception's name when AWS sent none."""
    return error_code(error) if isinstance(error, ClientError) else type(error).__name__


@contextmanager
def translate_fatal_errors(doing: str) -> Iterator[None]:
    """Turn credential and connection failures into :class:`AwsAccessError` with a clear message."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        fatal = fatal_error(error, doing)
        if fatal is not None:
            raise fatal from error
        raise
