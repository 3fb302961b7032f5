"""Credentials from a Kubernetes Secret's data (ProjectTag and MonitorTarget ``secretRef``).

Without a Secret, botocore's usual chain applies (a profile, IRSA, Pod Identity, the
environment). Errors name the missing key, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping

import boto3

SECRET_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class CredentialsSecretError(ValueError):
    """The credentials Secret lacks a key; names the key, never a value."""


def session_from_secret(secret_data: Mapping[str, str]) -> boto3.Session:
    missing = [key for key in SECRET_KEYS[:2] if not secret_data.get(key)]
    if missing:
        raise CredentialsSecretError(
            f"the credentials Secret lacks {', '.join(missing)}: add the key(s) to the Secret "
            "named in spec.credentials.secretRef.name"
        )
    return boto3.Session(
        aws_access_key_id=secret_data["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret_data["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=secret_data.get("AWS_SESSION_TOKEN") or None,
    )
