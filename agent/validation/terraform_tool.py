"""``terraform fmt`` and ``terraform validate`` as validation steps.

Speed: ``terraform init`` costs ~2 s (it hashes the 675 MB AWS provider), ``validate`` ~2.5 s
(the provider starts and sends its schema). Init is therefore done once per set of provider
requirements and kept in the cache (``<cache>/terraform/providers/<key>/``); every validation
writes the design into a fresh folder of its own and links the initialised providers and lock
file into it. Runs never share a working folder, and the one-time init holds a file lock, so
parallel runs (pytest-xdist, several operator workers) are safe.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autcloud.agent.locks import exclusive_lock
from autcloud.agent.validation.design_files import checked_name, write_design
from autcloud.agent.validation.report import Finding, StepResult, StepStatus, elapsed_ms
from autcloud.agent.validation.terraform_env import CACHE_ENV, TERRAFORM_ENV, TerraformSetup

FMT_STEP = "terraform fmt"
VALIDATE_STEP = "terraform validate"
FMT_EXTENSIONS = (".tf", ".tfvars", ".tftest.hcl")
LOCK_FILE = ".terraform.lock.hcl"
COMMAND_TIMEOUT_S = 300.0  # a cold init from the network is the slowest command
STALE_RUN_AGE_S = 3600.0

_TERRAFORM_MISSING = f"terraform is not installed: put it on PATH or set {TERRAFORM_ENV}"
_REQUIRED_PROVIDERS = re.compile(r"required_providers\s*\{", re.MULTILINE)
_PROVIDER_USE = re.compile(
    r'^\s*(?:resource|data|ephemeral)\s+"([A-Za-z0-9]+)_|^\s*provider\s+"([A-Za-z0-9_-]+)"',
    re.MULTILINE,
)
_MODULE_BLOCK = re.compile(r'^\s*module\s+"', re.MULTILINE)
_BLOCK_HEADER = re.compile(
    r'^(resource|data|module|variable|output|provider)\s+"([^"]+)"(?:\s+"([^"]+)")?'
)
# Provider messages look like `expected <attribute> to be ..., got <value>`: when the attribute
# holds a secret, the value is cut so a password never reaches a report.
_GOT_VALUE = re.compile(r"^(expected (\S+) .*?got )(.+)$", re.DOTALL)
_SECRET_NAME = re.compile(r"password|secret|token|private_key|access_key|credential", re.I)
_FMT_ERROR_LOCATION = re.compile(r"on (.+?) line (\d+)")


def fmt_check(files: Mapping[str, str], setup: TerraformSetup | None = None) -> StepResult:
    """Whether every Terraform file is ``terraform fmt``-clean; the expected text is in details."""
    started = time.perf_counter()
    setup = setup or TerraformSetup.discover()
    if setup.terraform is None:
        return StepResult(FMT_STEP, StepStatus.SKIPPED, reason=setup.problem or _TERRAFORM_MISSING)
    return _skipped_on_trouble(FMT_STEP, setup, started, lambda: _fmt_check(files, setup, started))


def _skipped_on_trouble(
    step: str, setup: TerraformSetup, started: float, run: Callable[[], StepResult]
) -> StepResult:
    """``run()``, or the step skipped, saying why, when terraform cannot run or its cache folder
    is not writable (a read-only HOME, a full disk)."""
    try:
        return run()
    except TerraformRunError as error:
        return StepResult(step, StepStatus.SKIPPED, elapsed_ms(started, 1), reason=str(error))
    except OSError as error:
        reason = _cache_trouble(setup, error)
        return StepResult(step, StepStatus.SKIPPED, elapsed_ms(started, 1), reason=reason)


def _fmt_check(files: Mapping[str, str], setup: TerraformSetup, started: float) -> StepResult:
    formattable = {name: text for name, text in files.items() if name.endswith(FMT_EXTENSIONS)}
    with _scratch_folder(setup, "fmt") as folder:
        write_design(formattable, folder)
        # One process for all files: fmt rewrites the copies, then Python compares line by line.
        completed = _terraform(setup, folder, "fmt", "-no-color", "-list=false", "-recursive")
        formatted = {
            name: folder.joinpath(*checked_name(name).parts).read_text(encoding="utf-8")
            for name in formattable
        }
    findings = _fmt_syntax_findings(completed.stderr) if completed.returncode else []
    diffs: dict[str, str] = {}
    for name, original in sorted(formattable.items()):
        if formatted[name] == original or name in {finding.file for finding in findings}:
            continue
        diffs[name] = "".join(
            difflib.unified_diff(
                original.splitlines(keepends=True),
                formatted[name].splitlines(keepends=True),
                f"{name} (as written)",
                f"{name} (terraform fmt)",
            )
        )
        findings.append(_fmt_finding(name, original, formatted[name]))
    return StepResult(
        FMT_STEP,
        StepStatus.FAILED if findings else StepStatus.PASSED,
        duration_ms=elapsed_ms(started, 1),
        findings=findings,
        reason=f"{len(diffs)} of {_count(len(formattable), 'file')} not `terraform fmt`-clean"
        if diffs
        else "",
        details={
            "files_checked": len(formattable),
            "diffs": diffs,
            "formatted": {name: formatted[name] for name in diffs},
        },
    )


def validate(files: Mapping[str, str], setup: TerraformSetup | None = None) -> StepResult:
    """``terraform init -backend=false`` (cached) + ``terraform validate -json`` as findings."""
    started = time.perf_counter()
    setup = setup or TerraformSetup.discover()
    if setup.terraform is None:
        reason = setup.problem or _TERRAFORM_MISSING
        return StepResult(VALIDATE_STEP, StepStatus.SKIPPED, reason=reason)
    if setup.unavailable_reason:
        return StepResult(VALIDATE_STEP, StepStatus.SKIPPED, reason=setup.unavailable_reason)
    for name in files:
        checked_name(name)  # a bad name is the caller's error: raise before any work
    # The design's lock file (if it ships one) pins what the registry served; validation uses
    # the lock written for the mirror's providers instead.
    files = {name: text for name, text in files.items() if name != LOCK_FILE}
    return _skipped_on_trouble(
        VALIDATE_STEP, setup, started, lambda: _validate(files, setup, started)
    )


def _validate(files: Mapping[str, str], setup: TerraformSetup, started: float) -> StepResult:
    init = _initialised_providers(setup, files)
    if init.failed:
        return _init_failure(init, started)
    outcome = _validate_in_fresh_folder(setup, files, init)
    if outcome.provider_trouble and init.cached:
        # The cache no longer matches (a mirror changed under it): initialise again, once.
        init = _initialised_providers(setup, files, discard_cached=True)
        if init.failed:
            return _init_failure(init, started)
        outcome = _validate_in_fresh_folder(setup, files, init)
    errors = [finding for finding in outcome.findings if finding.severity == "error"]
    return StepResult(
        VALIDATE_STEP,
        StepStatus.FAILED if errors or not outcome.valid else StepStatus.PASSED,
        duration_ms=elapsed_ms(started, 1),
        findings=outcome.findings,
        reason=outcome.reason or (_count(len(errors), "error") if errors else ""),
        details={
            "init_ms": init.duration_ms,
            "init_cached": init.cached,
            "validate_ms": outcome.duration_ms,
            "error_count": len(errors),
            "warning_count": len(outcome.findings) - len(errors),
            "provider_source": str(setup.mirror.path) if setup.mirror else "network (opt-in)",
        },
    )


# --- initialised providers, shared between runs ---------------------------------------------


@dataclass
class _Init:
    folder: Path
    cached: bool
    duration_ms: float = 0.0
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False


def provider_requirements_key(files: Mapping[str, str], setup: TerraformSetup) -> str:
    """What decides the providers init installs: required_providers blocks and provider names."""
    parts = [setup.fingerprint()]
    for name, text in sorted(files.items()):
        if not name.endswith((".tf", ".tf.json")):
            continue
        parts.extend(" ".join(block.split()) for block in _required_providers_blocks(text))
        for match in _PROVIDER_USE.finditer(text):
            parts.append(match.group(1) or match.group(2))
    unique = sorted(set(parts[1:]))
    return hashlib.sha256("\n".join([parts[0], *unique]).encode()).hexdigest()[:24]


def _initialised_providers(
    setup: TerraformSetup, files: Mapping[str, str], *, discard_cached: bool = False
) -> _Init:
    key = provider_requirements_key(files, setup)
    root = setup.cache_dir / "providers"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / key
    ready = folder / ".ready"
    with exclusive_lock(root / f"{key}.lock"):
        if ready.exists() and not discard_cached:
            return _Init(folder, cached=True)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        # The design's own .tf files decide what init selects; modules are fetched per run.
        write_design({n: t for n, t in files.items() if n.endswith((".tf", ".tf.json"))}, folder)
        started = time.perf_counter()
        completed = _terraform(setup, folder, "init", "-backend=false", "-json", "-no-color")
        init = _Init(folder, cached=False, duration_ms=elapsed_ms(started, 1))
        init.diagnostics = [
            message["diagnostic"]
            for message in _json_lines(completed.stdout)
            if message.get("type") == "diagnostic"
        ]
        if completed.returncode != 0:
            init.failed = True
            shutil.rmtree(folder, ignore_errors=True)
            return init
        for entry in folder.iterdir():  # keep only what runs link to
            if entry.name not in {".terraform", LOCK_FILE}:
                _remove(entry)
        ready.touch()
        return init


def _init_failure(init: _Init, started: float) -> StepResult:
    errors = [d for d in init.diagnostics if d.get("severity") == "error"]
    ranged = [d for d in errors if d.get("range")]
    if ranged:  # the configuration itself is broken (syntax, bad block): the design's fault
        return StepResult(
            VALIDATE_STEP,
            StepStatus.FAILED,
            duration_ms=elapsed_ms(started, 1),
            findings=sorted(
                (_diagnostic_finding(d) for d in ranged), key=lambda f: (f.file, f.line)
            ),
            reason=f"terraform init found {_count(len(ranged), 'error')} in the configuration",
            details={"init_ms": init.duration_ms, "init_cached": False},
        )
    # No location: the providers could not be installed (not in the mirror, no such version).
    summary = "; ".join(_message(d) for d in errors) or "terraform init failed without a message"
    return StepResult(
        VALIDATE_STEP,
        StepStatus.SKIPPED,
        duration_ms=elapsed_ms(started, 1),
        reason=f"terraform init could not install the providers: {summary}",
        details={"init_ms": init.duration_ms, "init_cached": False},
    )


# --- one validation in its own folder --------------------------------------------------------


@dataclass
class _Outcome:
    findings: list[Finding]
    valid: bool
    duration_ms: float
    reason: str = ""
    provider_trouble: bool = False


def _validate_in_fresh_folder(
    setup: TerraformSetup, files: Mapping[str, str], init: _Init
) -> _Outcome:
    with _scratch_folder(setup, "validate") as folder:
        write_design(files, folder)
        data_dir = folder / ".terraform"
        data_dir.mkdir()
        (data_dir / "providers").symlink_to(init.folder / ".terraform" / "providers")
        shutil.copyfile(init.folder / LOCK_FILE, folder / LOCK_FILE)
        started = time.perf_counter()
        if any(_MODULE_BLOCK.search(text) for text in files.values()):
            got = _terraform(setup, folder, "get", "-no-color")
            if got.returncode != 0:
                message = _last_lines(got.stderr)
                finding = Finding("terraform.init", f"terraform get failed: {message}")
                return _Outcome([finding], False, elapsed_ms(started, 1), "modules not installed")
        completed = _terraform(setup, folder, "validate", "-json", "-no-color")
        duration_ms = elapsed_ms(started, 1)
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        message = f"terraform validate gave no report: {_last_lines(completed.stderr)}"
        return _Outcome([Finding("terraform.validate", message)], False, duration_ms, message)
    diagnostics = report.get("diagnostics") or []
    findings = sorted(
        (_diagnostic_finding(d) for d in diagnostics),
        key=lambda f: (f.file, f.line, f.message),
    )
    unranged_errors = [
        d for d in diagnostics if d.get("severity") == "error" and not d.get("range")
    ]
    return _Outcome(
        findings,
        bool(report.get("valid")),
        duration_ms,
        provider_trouble=bool(unranged_errors)
        and len(unranged_errors) == report.get("error_count"),
    )


def _diagnostic_finding(diagnostic: Mapping[str, Any]) -> Finding:
    where = diagnostic.get("range") or {}
    context = (diagnostic.get("snippet") or {}).get("context") or ""
    return Finding(
        check_id="terraform.validate",
        message=_message(diagnostic),
        address=_address(context),
        file=str(where.get("filename", "")),
        line=int((where.get("start") or {}).get("line", 0)),
        severity="warning" if diagnostic.get("severity") == "warning" else "error",
    )


def _message(diagnostic: Mapping[str, Any]) -> str:
    summary = _redact(str(diagnostic.get("summary", "")).strip())
    detail = _redact(str(diagnostic.get("detail", "")).strip())
    return f"{summary}: {detail}" if detail else summary


def _redact(text: str) -> str:
    match = _GOT_VALUE.match(text)
    if match and _SECRET_NAME.search(match.group(2)):
        return f"{match.group(1)}(value hidden: {match.group(2)} is secret)"
    return text


def _address(context: str) -> str:
    """``resource "aws_s3_bucket" "logs"`` → ``aws_s3_bucket.logs`` (and data./module./var.)."""
    match = _BLOCK_HEADER.match(context.strip())
    if not match:
        return ""
    kind, first, second = match.groups()
    if kind == "resource" and second:
        return f"{first}.{second}"
    if kind == "data" and second:
        return f"data.{first}.{second}"
    return {"module": "module.", "variable": "var.", "output": "output."}.get(kind, "") + first


def _required_providers_blocks(text: str) -> Iterator[str]:
    for match in _REQUIRED_PROVIDERS.finditer(text):
        depth, position = 1, match.end()
        while depth and position < len(text):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
        yield text[match.start() : position]


# --- fmt helpers ---------------------------------------------------------------------------


def _fmt_finding(name: str, original: str, formatted: str) -> Finding:
    old, new = original.splitlines(), formatted.splitlines()
    ranges = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        first, last = i1 + 1, max(i1 + 1, i2)
        ranges.append((min(first, max(len(old), 1)), min(last, max(len(old), 1))))
    shown = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:8])
    more = f" and {len(ranges) - 8} more places" if len(ranges) > 8 else ""
    return Finding(
        check_id="terraform.fmt",
        message=(
            f"{name} is not in `terraform fmt` style at lines {shown}{more}; "
            "apply `terraform fmt` (the formatted text is in details.formatted)"
        ),
        file=name,
        line=ranges[0][0] if ranges else 1,
    )


def _fmt_syntax_findings(stderr: str) -> list[Finding]:
    """fmt has no JSON output: its errors read `Error: <summary>` ... `on <file> line <n>:`."""
    findings = []
    for block in re.split(r"\n(?=Error: )", stderr.strip()):
        if not block.startswith("Error: "):
            continue
        summary = block.splitlines()[0].removeprefix("Error: ").strip()
        location = _FMT_ERROR_LOCATION.search(block)
        file = location.group(1) if location else ""
        line = int(location.group(2)) if location else 0
        message = f"{summary}: the file is not valid HCL, so it cannot be formatted"
        findings.append(Finding("terraform.syntax", message, file=file, line=line))
    return findings


# --- processes, folders, locks -----------------------------------------------------------


class TerraformRunError(RuntimeError):
    """terraform could not be run or did not finish: the step is skipped with this reason."""


def _terraform(setup: TerraformSetup, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert setup.terraform is not None
    _remove_stale_runs(setup.cache_dir / "runs")
    try:
        return subprocess.run(
            [setup.terraform, *args],
            cwd=folder,
            env=setup.subprocess_env(),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise TerraformRunError(
            f"terraform {args[0]} did not finish within {COMMAND_TIMEOUT_S:.0f} s"
        ) from None
    except OSError as error:
        raise TerraformRunError(f"cannot run {setup.terraform}: {error}") from None


_swept: set[Path] = set()


def _remove_stale_runs(runs: Path) -> None:
    """Once per process: delete run folders left behind by killed processes (older than 1 h)."""
    if runs in _swept:
        return
    _swept.add(runs)
    cutoff = time.time() - STALE_RUN_AGE_S
    for entry in runs.glob("*-*"):
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def _scratch_folder(setup: TerraformSetup, purpose: str) -> Iterator[Path]:
    runs = setup.cache_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=runs))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict):
            yield message


def _last_lines(text: str, count: int = 6) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines()[-count:] if line.strip())


def _cache_trouble(setup: TerraformSetup, error: OSError) -> str:
    return (
        f"cannot work in the cache folder {setup.cache_dir} ({error.strerror or error}); "
        f"set {CACHE_ENV} to a writable folder"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
