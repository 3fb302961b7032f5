"""The validation report: one result per step, findings a program can act on."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # the tool is missing: never counted as passed


@dataclass(frozen=True)
class Finding:
    """One problem: a check that failed, a diagnostic, a broken intent."""

    check_id: str  # e.g. "CKV_AWS_16", "terraform.validate", "intent.region"
    message: str  # a sentence for a person, naming what to change
    address: str = ""  # the Terraform address it concerns, when there is one
    file: str = ""
    line: int = 0
    severity: str = "error"  # error | warning


@dataclass
class StepResult:
    """The outcome of one validation step (fmt, parse, terraform validate, checkov, intent)."""

    name: str
    status: StepStatus
    duration_ms: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""  # why it was skipped, or a one-line summary
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_findings(
        cls,
        name: str,
        started: float,
        findings: list[Finding],
        reason: str,
        *,
        failed: bool | None = None,
    ) -> StepResult:
        """A step that ran its checks since ``started``: failed when it found anything, unless
        ``failed`` says otherwise (warnings alone, say)."""
        failing = bool(findings) if failed is None else failed
        status = StepStatus.FAILED if failing else StepStatus.PASSED
        return cls(name, status, elapsed_ms(started), findings, reason=reason)

    @property
    def ok(self) -> bool:
        return self.status is not StepStatus.FAILED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


def elapsed_ms(started: float, digits: int = 2) -> float:
    """Milliseconds since ``started``, a :func:`time.perf_counter` reading."""
    return round((time.perf_counter() - started) * 1000, digits)
