"""checkov as a validation step, through one long-lived worker process per Python process.

checkov lives in a virtualenv of its own (it pins boto3 and installs an ``hcl2`` module over
python-hcl2's). Its python is found in this order: ``AUTCLOUD_CHECKOV_PYTHON``; a
``.venv-checkov`` folder in the working directory, one of its parents, or the source checkout
(``make checkov`` creates it); the interpreter named by the shebang of a ``checkov`` command on
PATH (as ``pipx install checkov`` leaves it).

That python runs :mod:`checkov_worker` (shipped beside this module), which imports checkov once
(~2 s) and then answers each scan in ~0.1-0.3 s. The worker starts on first use, is restarted if
it dies, and is stopped when it does not answer in time. Scans are serialised per worker.
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import os
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from autcloud.agent.validation.design_files import checked_name, write_design
from autcloud.agent.validation.report import Finding, StepResult, StepStatus, elapsed_ms

CHECKOV_STEP = "checkov"
CHECKOV_PYTHON_ENV = "AUTCLOUD_CHECKOV_PYTHON"
CHECKOV_VENV = ".venv-checkov"
START_TIMEOUT_S = 60.0
SCAN_TIMEOUT_S = 60.0
INSTALL_HINT = "run `make checkov`"

_log = logging.getLogger(__name__)
# The worker's environment: no credentials, no API keys, no proxies (it must not go online).
_PASSED_THROUGH = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL")


class WorkerError(RuntimeError):
    """The worker could not start, died, or did not answer in time."""


@dataclass(frozen=True)
class CheckovPython:
    """The interpreter of checkov's virtualenv and how it was found."""

    path: Path
    found_by: str


def find_checkov_python(
    env: Mapping[str, str] | None = None, folders: Sequence[Path] | None = None
) -> tuple[CheckovPython | None, str]:
    """checkov's python, or None and why (a setting pointing nowhere is reported, not skipped).

    ``folders`` are searched for a ``.venv-checkov``; by default the working directory, its
    parents and the source checkout.
    """
    env = os.environ if env is None else env
    configured = env.get(CHECKOV_PYTHON_ENV, "")
    if configured:
        path = Path(configured).expanduser()
        if _is_executable(path):
            return CheckovPython(path, CHECKOV_PYTHON_ENV), ""
        return None, f"{CHECKOV_PYTHON_ENV}={configured} is not an executable file; fix or unset it"
    if folders is None:
        here = Path.cwd()
        checkout = Path(__file__).resolve().parents[2]  # the repository root, in a checkout
        folders = (here, *here.parents, checkout)
    for folder in folders:
        python = folder / CHECKOV_VENV / "bin" / "python"
        if _is_executable(python):
            return CheckovPython(python, str(folder / CHECKOV_VENV)), ""
    command = shutil.which("checkov", path=env.get("PATH"))
    if command:
        interpreter = _shebang_interpreter(Path(command))
        if interpreter is not None:
            return CheckovPython(interpreter, f"the shebang of {command}"), ""
    return None, f"checkov is not installed: {INSTALL_HINT}"


def scan(
    files: Mapping[str, str],
    skip_checks: Iterable[str] = (),
    *,
    python: CheckovPython | None = None,
    timeout_s: float = SCAN_TIMEOUT_S,
) -> StepResult:
    """Run checkov's Terraform checks over the design; failed checks become findings."""
    started = time.perf_counter()
    for name in files:
        checked_name(name)  # a bad name is the caller's error: raise before any work
    if python is None:
        python, problem = find_checkov_python()
        if python is None:
            return StepResult(CHECKOV_STEP, StepStatus.SKIPPED, reason=problem)
    worker = shared_worker(python)
    with tempfile.TemporaryDirectory(prefix="autcloud-checkov-") as folder:
        write_design(files, Path(folder))
        request = {"folder": folder, "skip_checks": sorted(set(skip_checks))}
        try:
            answer, started_worker = worker.request(request, timeout_s)
        except WorkerError as error:
            return StepResult(
                CHECKOV_STEP,
                StepStatus.SKIPPED,
                duration_ms=elapsed_ms(started, 1),
                reason=str(error),
            )
    return _step_result(answer, worker, started_worker, started)


def _step_result(
    answer: dict[str, Any], worker: CheckovWorker, started_worker: bool, started: float
) -> StepResult:
    failed, passed, skipped = answer["failed"], answer["passed"], answer["skipped"]
    findings = sorted(
        (
            Finding(
                check_id=check["check_id"],
                message=check["name"]
                + (f" (guideline: {check['guideline']})" if check.get("guideline") else ""),
                address=check["resource"],
                file=check["file"],
                line=int(check["lines"][0]),
            )
            for check in failed
        ),
        key=lambda f: (f.file, f.line, f.check_id, f.address),
    )
    findings += [
        Finding(
            "checkov.parse",
            f"checkov could not parse {path}, so its resources were not checked",
            file=path,
        )
        for path in answer["parsing_errors"]
    ]
    if answer["network_attempts"]:  # blocked by the worker; worth knowing about
        _log.warning("checkov tried the network (blocked): %s", answer["network_attempts"])
    inline_skips = [
        {
            "check_id": check["check_id"],
            "address": check["resource"],
            "file": check["file"],
            "line": int(check["lines"][0]),
            "reason": check.get("suppress_comment") or "",
        }
        for check in skipped
    ]
    total = len(failed) + len(passed)
    return StepResult(
        CHECKOV_STEP,
        StepStatus.FAILED if findings else StepStatus.PASSED,
        duration_ms=elapsed_ms(started, 1),
        findings=findings,
        reason=f"{len(failed)} of {total} checks failed" if failed else "",
        details={
            "passed": len(passed),
            "failed": len(failed),
            "skipped": inline_skips,
            "parsing_errors": answer["parsing_errors"],
            "network_attempts": answer["network_attempts"],
            "scan_ms": answer.get("scan_ms", 0.0),
            "worker_start_ms": worker.start_ms if started_worker else 0.0,
            "checkov_version": worker.checkov_version,
        },
    )


# --- the worker process ------------------------------------------------------------------


class CheckovWorker:
    """One checkov worker process: started lazily, restarted after a crash, one scan at a time."""

    def __init__(self, python: CheckovPython) -> None:
        self.python = python
        self.checkov_version = ""
        self.start_ms = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0
        self._buffer = b""
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self._next_id = 0
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        process = self._process
        alive = process is not None and process.poll() is None and self._owner_pid == os.getpid()
        return process.pid if alive and process is not None else None

    def request(self, request: dict[str, Any], timeout_s: float) -> tuple[dict[str, Any], bool]:
        """The worker's answer, and whether this call had to start the worker."""
        with self._lock:
            started_worker = self.pid is None
            if started_worker:
                self._start()
            try:
                return self._exchange(request, timeout_s), started_worker
            except _WorkerDiedError:
                self._discard()
            # It died since the last scan, or during this one: one fresh worker, one more try.
            self._start()
            try:
                return self._exchange(request, timeout_s), True
            except _WorkerDiedError as died:
                self._discard()
                raise WorkerError(
                    f"the checkov worker ({self.python.path}) exited during a scan: "
                    f"{died}{self._stderr_summary()}"
                ) from None

    def stop(self) -> None:
        with self._lock:
            self._discard()

    def _start(self) -> None:
        started = time.perf_counter()
        script = resources.files("autcloud.agent.validation").joinpath("checkov_worker.py")
        with resources.as_file(script) as script_path:
            try:
                self._process = subprocess.Popen(
                    # -I: ignore PYTHON* variables and the script's folder, so nothing from
                    # AutCloud's environment (its hcl2, its modules) leaks into checkov's.
                    [str(self.python.path), "-I", str(script_path)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env={n: os.environ[n] for n in _PASSED_THROUGH if n in os.environ},
                )
            except OSError as error:
                raise WorkerError(f"cannot start {self.python.path}: {error}") from None
        self._owner_pid = os.getpid()
        self._buffer = b""
        self._stderr_tail.clear()
        assert self._process.stderr is not None
        threading.Thread(
            target=self._drain_stderr, args=(self._process.stderr,), daemon=True
        ).start()
        try:
            hello = self._read_message(time.monotonic() + START_TIMEOUT_S)
        except _WorkerDiedError as died:
            self._discard()
            raise WorkerError(
                f"checkov did not start with {self.python.path}: {died}{self._stderr_summary()}; "
                f"{INSTALL_HINT}"
            ) from None
        except _WorkerTimeoutError:
            self._discard()
            raise WorkerError(
                f"checkov did not start within {START_TIMEOUT_S:.0f} s with {self.python.path}"
                f"{self._stderr_summary()}"
            ) from None
        if not hello.get("ready"):
            self._discard()
            raise WorkerError(
                f"checkov could not be imported by {self.python.path} "
                f"({self.python.found_by}): {hello.get('error')}; {INSTALL_HINT}"
            )
        self.checkov_version = str(hello.get("checkov_version", ""))
        self.start_ms = elapsed_ms(started, 1)

    def _exchange(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        process = self._process
        assert process is not None and process.stdin is not None
        self._next_id += 1
        message = {**request, "id": self._next_id}
        try:
            process.stdin.write(json.dumps(message).encode() + b"\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise _WorkerDiedError(f"cannot send the request ({error})") from None
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                answer = self._read_message(deadline)
            except _WorkerTimeoutError:
                self._discard()  # stuck: a fresh worker serves the next scan
                raise WorkerError(
                    f"checkov did not answer within {timeout_s:.0f} s; the worker was stopped"
                ) from None
            if answer.get("id") == self._next_id:
                break
        if not answer.get("ok"):
            raise WorkerError(f"checkov failed on this design: {answer.get('error')}")
        return answer

    def _read_message(self, deadline: float) -> dict[str, Any]:
        process = self._process
        assert process is not None and process.stdout is not None
        descriptor = process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(descriptor, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _WorkerTimeoutError
                if not selector.select(remaining):
                    continue
                chunk = os.read(descriptor, 1 << 20)
                if not chunk:
                    code = process.wait()
                    raise _WorkerDiedError(f"exit code {code}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            raise _WorkerDiedError(f"unreadable answer {line[:200]!r}") from None
        if not isinstance(parsed, dict):
            raise _WorkerDiedError(f"unexpected answer {line[:200]!r}")
        return parsed

    def _drain_stderr(self, stream: Any) -> None:
        with stream:  # ends when the worker exits
            for raw in stream:
                self._stderr_tail.append(raw.decode("utf-8", "replace").rstrip())

    def _stderr_summary(self) -> str:
        lines = [line for line in self._stderr_tail if line.strip()][-3:]
        return f" (last output: {' | '.join(lines)})" if lines else ""

    def _discard(self) -> None:
        process, self._process = self._process, None
        if process is None or self._owner_pid != os.getpid():
            return  # a worker inherited through fork belongs to the parent: leave it alone
        if process.stdin is not None:
            process.stdin.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


class _WorkerDiedError(Exception):
    pass


class _WorkerTimeoutError(Exception):
    pass


_workers: dict[Path, CheckovWorker] = {}
_workers_lock = threading.Lock()


def shared_worker(python: CheckovPython) -> CheckovWorker:
    """This process's worker for ``python`` (created on first use, never started here)."""
    with _workers_lock:
        worker = _workers.get(python.path)
        if worker is None:
            worker = _workers[python.path] = CheckovWorker(python)
        return worker


@atexit.register
def stop_workers() -> None:
    """Stop every worker this process started (also run at interpreter exit)."""
    with _workers_lock:
        workers = list(_workers.values())
    for worker in workers:
        worker.stop()


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _shebang_interpreter(command: Path) -> Path | None:
    try:
        with command.open("rb") as handle:
            first = handle.readline(512).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    interpreter = Path(first[2:].strip().split()[0])
    if "python" in interpreter.name and _is_executable(interpreter):
        return interpreter
    return None
