"""Errors that stop a scan as a whole, each with a message a person can act on."""

from __future__ import annotations


class ScanError(RuntimeError):
    """The scan could not run; nothing was written."""


class ScanCredentialsError(ScanError):
    """No credentials, or credentials AWS (or the endpoint) rejected."""


class ScanEndpointError(ScanError):
    """The AWS endpoint could not be reached."""
