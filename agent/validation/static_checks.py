"""Checks that need no tool: it parses, every reference resolves, no secret is written down."""

from __future__ import annotations

import re
import time

from autcloud.agent.secrets import find_secrets, normalise
from autcloud.agent.tfparse import TerraformModule, TerraformParseError, load_texts
from autcloud.agent.validation.report import Finding, StepResult, StepStatus, elapsed_ms

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
            elapsed_ms(started),
            [Finding("terraform.parse", str(error))],
            reason="HCL does not parse",
        ), None
    return StepResult(
        "parse", StepStatus.PASSED, elapsed_ms(started), reason=f"{len(files)} files parse"
    ), module


def references(files: dict[str, str], module: TerraformModule) -> StepResult:
    """Every resource, variable and local a file mentions is declared somewhere."""
    started = time.perf_counter()
    findings: list[Finding] = []
    kinds = (
        # (check, what a reference looks like, what declares it, how a finding names it, message)
        ("references.resource", _RESOURCE_REF, module.addresses, "{}", "{} is referenced but not declared"),
        ("references.variable", _VAR_REF, module.variables, "var.{}", "{} is used but not declared in variables.tf"),
        ("references.local", _LOCAL_REF, module.locals, "local.{}", "{} is used but not declared"),
    )  # fmt: skip
    for name, text in sorted(files.items()):
        code = _COMMENT.sub("", text)
        for check, pattern, declared, address, message in kinds:
            for found in sorted(set(pattern.findall(code))):
                if found not in declared:
                    where = address.format(found)
                    findings.append(Finding(check, message.format(where), where, name))
    return StepResult.from_findings(
        "references",
        started,
        findings,
        f"{len(findings)} dangling references" if findings else "every reference resolves",
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
        # Offsets are in the normalised text (NFKC and removed invisible characters change its
        # length), so lines are counted there too.
        readable = normalise(text)
        for secret in find_secrets(readable, high_entropy=False):
            line = readable.count("\n", 0, secret.start) + 1
            findings.append(
                Finding(
                    "secrets.credential",
                    f"a {secret.kind} is written in the file",
                    file=name,
                    line=line,
                )
            )
    return StepResult.from_findings(
        "secrets",
        started,
        findings,
        f"{len(findings)} secrets written down" if findings else "no literal secrets",
    )
