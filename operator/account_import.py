"""spec.importExisting: scan an existing AWS account into the design's git folder.

The scan runs as ``autcloud scan`` in a child process, so the Secret's AWS keys live in that
process's environment alone (the scanner resolves credentials through botocore's chain, and
changing this process's environment would race every other reconcile).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# spec.importExisting: the scan's export lands in this subfolder of the design's git path.
IMPORTED_FOLDER = "imported"
AWS_SECRET_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@dataclass(frozen=True)
class AccountImport:
    """spec.importExisting: scan ``region`` for resources tagged ``tag_key=tag_value``."""

    region: str
    tag_key: str
    tag_value: str
    endpoint_url: str | None = None
    secret_name: str | None = None  # Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY


@dataclass(frozen=True)
class ImportedAccount:
    """A scan's export: file names relative to the export folder, and kinds it could not read."""

    files: dict[str, bytes]
    exported: int
    failed_kinds: tuple[str, ...] = ()


class AccountImportError(Exception):
    """The scan could not run (credentials, endpoint, bad input); the message is for a person."""


class AccountImporter(Protocol):
    def __call__(
        self, request: AccountImport, credentials: Mapping[str, str] | None
    ) -> ImportedAccount: ...


def parse_account_import(spec: Any) -> AccountImport:
    """spec.importExisting as an :class:`AccountImport`; the CRD checks it, this re-checks."""
    if not isinstance(spec, Mapping):
        raise AccountImportError("expected an object with region and tag")
    region, tag = spec.get("region"), spec.get("tag")
    if not isinstance(region, str) or not _REGION.match(region):
        raise AccountImportError(f"region {region!r} is not an AWS region code, e.g. eu-west-1")
    if not isinstance(tag, Mapping) or not isinstance(tag.get("key"), str) or not tag["key"]:
        raise AccountImportError("tag.key is missing; name the tag the resources carry")
    if "=" in tag["key"]:
        raise AccountImportError(f"tag.key {tag['key']!r} contains '=', which the scan cannot use")
    credentials = spec.get("credentials")
    secret = credentials.get("secretRef") if isinstance(credentials, Mapping) else None
    endpoint = spec.get("endpointURL")
    return AccountImport(
        region=region,
        tag_key=tag["key"],
        tag_value=str(tag.get("value") or ""),
        endpoint_url=endpoint if isinstance(endpoint, str) and endpoint else None,
        secret_name=str(secret["name"])
        if isinstance(secret, Mapping) and secret.get("name")
        else None,
    )


def scan_account(
    request: AccountImport,
    credentials: Mapping[str, str] | None,
    *,
    timeout_seconds: float = 900.0,
) -> ImportedAccount:
    """Run ``autcloud scan`` in a child process and read its export back.

    A child process, because the credentials then live in its environment alone: the scanner
    resolves credentials through botocore's chain, and changing this process's environment
    would race every other reconcile. The child's output folder is read back into memory.
    """
    env = dict(os.environ)
    if credentials is not None:
        for key in (*AWS_SECRET_KEYS, "AWS_PROFILE"):
            env.pop(key, None)
        env.update(credentials)
    with tempfile.TemporaryDirectory(prefix="autcloud-import-") as scratch:
        out = Path(scratch) / "export"
        command = [
            sys.executable,
            "-c",
            "import sys; from autcloud.cli import main; sys.exit(main(sys.argv[1:]))",
            "scan",
            "--region",
            request.region,
            "--tag",
            f"{request.tag_key}={request.tag_value}",
            "--out",
            str(out),
            "--json",
        ]
        if request.endpoint_url:
            command += ["--endpoint-url", request.endpoint_url]
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, timeout=timeout_seconds, check=False
            )
        except subprocess.TimeoutExpired:
            raise AccountImportError(
                f"the scan of {request.region} took longer than {timeout_seconds:.0f} s"
            ) from None
        secrets = tuple((credentials or {}).values())
        if done.returncode not in (0, 5):
            raise AccountImportError(_scan_failure(done.stderr.decode(errors="replace"), secrets))
        try:
            report = json.loads(done.stdout.decode())
            exported, failed = int(report["exported"]), tuple(report["failed_kinds"])
        except (ValueError, KeyError, TypeError):
            raise AccountImportError("the scan's summary could not be read") from None
        files = {
            path.relative_to(out).as_posix(): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
    return ImportedAccount(files, exported, failed)


def _scan_failure(stderr: str, secrets: tuple[str, ...]) -> str:
    """The scan's own sentence (its last ``autcloud scan:`` line), without any secret."""
    said = [line for line in stderr.splitlines() if line.startswith("autcloud scan: ")]
    text = said[-1].removeprefix("autcloud scan: ") if said else "the scan failed"
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text.removesuffix("; nothing was written")
