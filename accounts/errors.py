"""Turn AWS failures into the condition reasons of docs/api.md, with sentences a person can act on."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.aws.errors import (
    ACCESS_DENIED_CODES,
    THROTTLING_CODES,
    AwsCredentialsError,
    AwsEndpointError,
    error_code,
    fatal_error,
)


@dataclass(frozen=True)
class Failure:
    """Why a reconcile could not finish. ``stalled``: retrying will not help."""

    reason: str  # AccessDenied, Throttled, EndpointUnreachable, AwsError
    message: str
    stalled: bool


def classify(error: BaseException, doing: str) -> Failure:
    fatal = fatal_error(error, doing)
    if isinstance(fatal, AwsCredentialsError):
        return Failure("AccessDenied", str(fatal), stalled=True)
    if isinstance(fatal, AwsEndpointError):  # every UNREACHABLE_ERRORS is one
        return Failure("EndpointUnreachable", str(fatal), stalled=False)
    if isinstance(error, ClientError):
        code = error_code(error)
        if code in ACCESS_DENIED_CODES:
            return Failure(
                "AccessDenied",
                f"AWS denied {doing} ({code}): grant the permission to the operator's identity "
                "or the Secret's access key",
                stalled=True,
            )
        if code in THROTTLING_CODES:
            return Failure("Throttled", f"AWS throttled {doing} ({code}); retrying", stalled=False)
        return Failure("AwsError", f"{doing} failed: {code}", stalled=False)
    if isinstance(error, BotoCoreError):
        return Failure("AwsError", f"{doing} failed: {type(error).__name__}", stalled=False)
    raise error
