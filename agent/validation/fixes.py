"""Deterministic repairs for findings: the offline provider's half of the validate/fix loop.

Each fixer edits one attribute of one resource block (or takes ``terraform fmt``'s text), so a
repair never rewrites more than the finding names. What no fixer knows stays a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from autcloud.agent.datafile import load_yaml_unique_keys
from autcloud.agent.validation.report import Finding, StepResult

_SET_HINT = re.compile(r"set ([a-z_]+) (?:=|>=) (\"[^\"]*\"|true|false|\d+)")
_BLOCK_START = r'^resource\s+"{type}"\s+"{name}"\s*\{{\s*$'


def _load_checkov_fixes() -> dict[str, tuple[str, str]]:
    """checkov_fixes.yaml: each check id with a safe, known repair, as (attribute, HCL value)."""
    path = Path(__file__).resolve().with_name("checkov_fixes.yaml")
    return {
        str(check): (str(fix["attribute"]), str(fix["value"]))
        for check, fix in load_yaml_unique_keys(path).items()
    }


CHECKOV_FIXES = _load_checkov_fixes()


@dataclass
class FixReport:
    applied: list[str] = field(default_factory=list)  # one line per repair
    unfixed: list[Finding] = field(default_factory=list)


def fix(files: dict[str, str], steps: list[StepResult]) -> tuple[dict[str, str], FixReport]:
    """Repair what the failed steps found; returns the new files and what was done."""
    repaired = dict(files)
    report = FixReport()
    for step in steps:
        if step.ok:
            continue
        if step.name == "terraform fmt" and step.details.get("formatted"):
            for name, text in step.details["formatted"].items():
                repaired[name] = text
                report.applied.append(f"{name}: applied terraform fmt")
            continue
        for finding in step.findings:
            if not _fix_one(repaired, finding, report):
                report.unfixed.append(finding)
    return repaired, report


def _fix_one(files: dict[str, str], finding: Finding, report: FixReport) -> bool:
    if finding.check_id == "secrets.literal":
        return _replace_literal_password(files, finding, report)
    if finding.check_id in CHECKOV_FIXES and finding.address:
        attribute, value = CHECKOV_FIXES[finding.check_id]
        return _set(files, finding.address, attribute, value, report, finding.check_id)
    hint = _SET_HINT.search(finding.message)
    if hint and finding.address.count(".") == 1 and not finding.address.startswith("var."):
        return _set(files, finding.address, hint.group(1), hint.group(2), report, finding.check_id)
    if hint and not finding.address:
        return _set_variable_default(files, hint.group(1), hint.group(2), report, finding.check_id)
    return False


def _find_block(text: str, address: str) -> tuple[int, int] | None:
    rtype, _, name = address.partition(".")
    start = re.search(
        _BLOCK_START.format(type=re.escape(rtype), name=re.escape(name)), text, re.MULTILINE
    )
    if not start:
        return None
    end = text.find("\n}", start.end())
    return (start.start(), end + 2) if end >= 0 else None


def _set(
    files: dict[str, str], address: str, attribute: str, value: str, report: FixReport, check: str
) -> bool:
    for name, text in files.items():
        span = _find_block(text, address)
        if span is None:
            continue
        block = text[span[0] : span[1]]
        line = re.compile(rf"^(\s+){re.escape(attribute)}(\s*)=.*$", re.MULTILINE)
        if line.search(block):
            new_block = line.sub(
                lambda m: f"{m.group(1)}{attribute}{m.group(2)}= {value}", block, count=1
            )
        else:
            new_block = block[:-2] + f"\n  {attribute} = {value}\n}}"
        files[name] = text[: span[0]] + new_block + text[span[1] :]
        report.applied.append(f"{address}: set {attribute} = {value} ({check})")
        return True
    return False


def _set_variable_default(
    files: dict[str, str], hint: str, value: str, report: FixReport, check: str
) -> bool:
    variable = hint.removeprefix("var.")
    text = files.get("variables.tf", "")
    block = re.search(
        rf'^variable\s+"{re.escape(variable)}"\s*\{{.*?^\}}', text, re.MULTILINE | re.DOTALL
    )
    if not block:
        return False
    new_block = re.sub(
        r"^(\s+)default(\s*)=.*$",
        lambda m: f"{m.group(1)}default{m.group(2)}= {value}",
        block.group(0),
        count=1,
        flags=re.MULTILINE,
    )
    files["variables.tf"] = text[: block.start()] + new_block + text[block.end() :]
    report.applied.append(f"var.{variable}: default = {value} ({check})")
    return True


def _replace_literal_password(files: dict[str, str], finding: Finding, report: FixReport) -> bool:
    """A literal password becomes a Secrets Manager-managed one (RDS and Aurora support it natively)."""
    text = files.get(finding.file, "")
    lines = text.split("\n")
    index = finding.line - 1
    if not (0 <= index < len(lines)) or not re.match(r"^\s+(master_)?password\s*=", lines[index]):
        return False
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = f"{indent}manage_master_user_password = true"
    files[finding.file] = "\n".join(lines)
    report.applied.append(
        f"{finding.file}:{finding.line}: literal password replaced by manage_master_user_password = true"
    )
    return True
