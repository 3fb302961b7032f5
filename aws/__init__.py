"""One way to reach AWS: clients, credentials, the retry policy and the table of list calls.

The scanner (``autcloud scan``), tagging (ProjectTag) and monitoring (MonitorTarget) all read
an account through this package: :class:`AwsClients` makes and counts the clients,
:mod:`autcloud.aws.retry` is the one retry policy, and :mod:`autcloud.aws.resources` is the one
table of list/describe calls, each producing the same :class:`Resource`.
"""

from autcloud.aws.calls import CallCounter
from autcloud.aws.clients import AwsClients
from autcloud.aws.credentials import SECRET_KEYS, CredentialsSecretError
from autcloud.aws.errors import (
    AwsAccessError,
    AwsCredentialsError,
    AwsEndpointError,
    error_code,
    fatal_error,
)
from autcloud.aws.resources import LISTINGS, Resource, Where, list_resources, pages, tag_map

__all__ = [
    "LISTINGS",
    "SECRET_KEYS",
    "AwsAccessError",
    "AwsClients",
    "AwsCredentialsError",
    "AwsEndpointError",
    "CallCounter",
    "CredentialsSecretError",
    "Resource",
    "Where",
    "error_code",
    "fatal_error",
    "list_resources",
    "pages",
    "tag_map",
]
