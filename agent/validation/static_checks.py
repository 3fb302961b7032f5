"""Checks that need no tool: it parses, every reference resolves, no secret is written down."""

from __future__ import annotations

import re
import time

from autcloud.agent.secrets import find_secrets, normalise
from autcloud.agent.tfparse import TerraformModule, TerraformParseError, load_texts
from autcloud.agent.validation.report import Finding, StepResult, StepStatus

_RESOURCE_REF = re.compile(r"(?<![\w.\"/-])((?:data\.)?aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*)")
_VAR_REF = re.compile(r"(?<![\w.])var\.([a-z_][a-z0-9_]*)")
_LOCAL_REF = re.compile(r"(?<![\w.])local\.([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"^\s*#.*$", re.MULTILINE)
_SECRET_ATTRIBUTE = re.compile(
    r"^\s*(password|master_password|auth_token|secret_string|access_key|secret_key|token|api_key)\s*=\s*\"(?!\$\{)[^\"]+\"",
    re.MULTILINE,
)


def parse(files: dict[str, str]) -> tuple[StepResult, TerraformModule | None]:
    """The parse step, and the parsed module for the steps after it."""
    started = time.perf_counter()
    try:
        module = load_texts(files)
    except TerraformParseError as error:
        return StepResult(
            "parse",
            StepStatus.FAILED,
            _ms(started),
            [Finding("terraform.parse", str(error))],
            reason="HCL does not parse",
        ), None
    return StepResult(
        "parse", StepStatus.PASSED, _ms(started), reason=f"{len(files)} files parse"
    ), module


def references(files: dict[str, str], module: TerraformModule) -> StepResult:
    """Every resource, variable and local a file mentions is declared somewhere."""
    started = time.perf_counter()
    declared = module.addresses
    findings: list[Finding] = []
    for name, text in sorted(files.items()):
        code = _COMMENT.sub("", text)
        for address in sorted(set(_RESOURCE_REF.findall(code))):
            if address not in declared:
                findings.append(
                    Finding(
                        "references.resource",
                        f"{address} is referenced but not declared",
                        address,
                        name,
                    )
                )
        for variable in sorted(set(_VAR_REF.findall(code))):
            if variable not in module.variables:
                findings.append(
                    Finding(
                        "references.variable",
                        f"var.{variable} is used but not declared in variables.tf",
                        f"var.{variable}",
                        name,
                    )
                )
        for local in sorted(set(_LOCAL_REF.findall(code))):
            if local not in module.locals:
                findings.append(
                    Finding(
                        "references.local",
                        f"local.{local} is used but not declared",
                        f"local.{local}",
                        name,
                    )
                )
    status = StepStatus.FAILED if findings else StepStatus.PASSED
    return StepResult(
        "references",
        status,
        _ms(started),
        findings,
        reason=f"{len(findings)} dangling references" if findings else "every reference resolves",
    )


def secrets(files: dict[str, str]) -> StepResult:
    """No literal password, token, access key or private key in any file."""
    started = time.perf_counter()
    findings: list[Finding] = []
    for name, text in sorted(files.items()):
        for match in _SECRET_ATTRIBUTE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            findings.append(
                Finding(
                    "secrets.literal",
                    f"{match.group(1)} is a literal: use Secrets Manager or a sensitive variable",
                    file=name,
                    line=line,
                )
            )
        # Comments too: a request's words end up in them. Generated Terraform is full of long
        # identifiers, so only secrets of a known shape count here, not random-looking ones.
        for secret in find_secrets(normalise(text), high_entropy=False):
            line = text.count("\n", 0, secret.start) + 1
            findings.append(
                Finding(
                    "secrets.credential",
                    f"a {secret.kind} is written in the file",
                    file=name,
                    line=line,
                )
            )
    status = StepStatus.FAILED if findings else StepStatus.PASSED
    return StepResult(
        "secrets",
        status,
        _ms(started),
        findings,
        reason=f"{len(findings)} secrets written down" if findings else "no literal secrets",
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
