"""Errors that stop a scan as a whole, each with a message a person can act on.

They are the AWS layer's own (:mod:`autcloud.aws.errors`): the scanner, tagging and monitoring
fail for the same reasons with the same sentences.
"""

from __future__ import annotations

from autcloud.aws.errors import AwsAccessError as ScanError
from autcloud.aws.errors import AwsCredentialsError as ScanCredentialsError
from autcloud.aws.errors import AwsEndpointError as ScanEndpointError

__all__ = ["ScanCredentialsError", "ScanEndpointError", "ScanError"]
