"""A long-lived checkov process answering scan requests as JSON lines (stdin → stdout).

Run BY the python of checkov's own virtualenv (checkov pins boto3 and installs an ``hcl2``
module that clobbers python-hcl2), never imported by AutCloud at run time: it uses only the
standard library and checkov. Importing checkov costs ~2 s; each scan then costs ~0.1-0.3 s.

Protocol, one JSON object per line:
- on start, once: ``{"ready": true, "checkov_version": "...", "import_ms": ...}``
  (or ``{"ready": false, "error": "..."}`` and exit 3 when checkov cannot be imported);
- request: ``{"id": 1, "folder": "/abs/path", "skip_checks": ["CKV_AWS_18"]}``;
- answer: ``{"id": 1, "ok": true, "failed": [...], "passed": [...], "skipped": [...],
  "parsing_errors": [...], "network_attempts": [...], "scan_ms": ...}`` or
  ``{"id": 1, "ok": false, "error": "..."}``. Each check is ``{"check_id", "name", "resource",
  "file", "lines", "guideline", "suppress_comment"}``.

The worker never uses the network: it sets checkov's offline switches and refuses every
non-local socket connection and name lookup, reporting any attempt in ``network_attempts``.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
from typing import Any, TextIO

# checkov's switches for offline use; harmless when a version ignores one.
OFFLINE_ENVIRONMENT = {
    "BC_SKIP_MAPPING": "TRUE",  # no download of the check-id mapping
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    "LOG_LEVEL": "WARNING",
}

network_attempts: list[str] = []


def block_network() -> None:
    """Refuse internet sockets and DNS in this process (and its forks); keep a record."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def _refuse(sock: socket.socket, address: Any) -> None:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return
        network_attempts.append(f"connect {address!r}")
        raise OSError("network access is disabled in the AutCloud checkov worker")

    def connect(sock: socket.socket, address: Any) -> None:
        _refuse(sock, address)
        original_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        _refuse(sock, address)
        return original_connect_ex(sock, address)

    def getaddrinfo(host: Any, *_: Any, **__: Any) -> Any:
        network_attempts.append(f"lookup {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, "name lookups are disabled in the checkov worker")

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo


def _address(record: Any) -> str:
    """The Terraform address (checkov calls a data source `type.name`, not `data.type.name`)."""
    resource = str(record.resource or "")
    if ".checks.data." in str(record.check_class or "") and not resource.startswith("data."):
        return f"data.{resource}"
    return resource


def _record(record: Any) -> dict[str, Any]:
    result = record.check_result or {}
    lines = list(record.file_line_range or [0, 0])
    return {
        "check_id": record.check_id,
        "name": record.check_name,
        "resource": _address(record),
        "file": str(record.file_path or "").lstrip("/"),
        "lines": lines,
        "guideline": record.guideline,
        "suppress_comment": result.get("suppress_comment"),
    }


def _scan(runner_class: Any, filter_class: Any, request: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    del network_attempts[:]
    runner_filter = filter_class(
        framework=["terraform"],
        skip_checks=list(request.get("skip_checks") or []),
        download_external_modules=False,
        show_progress_bar=False,
    )
    # A fresh runner each time: a runner caches the definitions of the folder it scanned.
    report = runner_class().run(root_folder=request["folder"], runner_filter=runner_filter)
    reports = report if isinstance(report, list) else [report]  # a list when the graph splits
    answer: dict[str, Any] = {"failed": [], "passed": [], "skipped": [], "parsing_errors": []}
    for part in reports:
        answer["failed"] += [_record(r) for r in part.failed_checks]
        answer["passed"] += [_record(r) for r in part.passed_checks]
        answer["skipped"] += [_record(r) for r in part.skipped_checks]
        answer["parsing_errors"] += [
            os.path.relpath(path, request["folder"]) for path in part.parsing_errors
        ]
    answer["network_attempts"] = list(network_attempts)
    answer["scan_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return answer


def _send(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main() -> int:
    # Answers go to a private copy of stdout; anything checkov prints lands on stderr instead.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.environ.update(OFFLINE_ENVIRONMENT)
    block_network()
    started = time.perf_counter()
    try:
        runner_filter_class = importlib.import_module("checkov.runner_filter").RunnerFilter
        runner_class = importlib.import_module("checkov.terraform.runner").Runner
        version = importlib.import_module("checkov.version").version
    except Exception as error:  # any import failure means: this python has no usable checkov
        _send(channel, {"ready": False, "error": f"{type(error).__name__}: {error}"})
        return 3
    import_ms = round((time.perf_counter() - started) * 1000, 1)
    _send(channel, {"ready": True, "checkov_version": version, "import_ms": import_ms})
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id: Any = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            answer = {
                "id": request_id,
                "ok": True,
                **_scan(runner_class, runner_filter_class, request),
            }
        except Exception as error:  # report, and stay alive for the next request
            answer = {"id": request_id, "ok": False, "error": f"{type(error).__name__}: {error}"}
        _send(channel, answer)
    return 0  # stdin closed: the parent is gone or done


if __name__ == "__main__":
    sys.exit(main())
