"""checkov as a validation step, through the real checkov in its own virtualenv."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from autcloud.agent.validation import checkov_worker
from autcloud.agent.validation.checkov_tool import (
    CHECKOV_PYTHON_ENV,
    CheckovPython,
    find_checkov_python,
    scan,
    shared_worker,
)
from autcloud.agent.validation.report import StepResult, StepStatus

UNENCRYPTED_BUCKET = """\
resource "aws_s3_bucket" "logs" {
  bucket = "shop-logs"
}
"""

SSH_OPEN_TO_THE_WORLD = """\
resource "aws_security_group" "bastion" {
  name        = "bastion"
  description = "SSH entry"

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""

SKIPPED_INLINE = SSH_OPEN_TO_THE_WORLD.replace(
    '  name        = "bastion"\n',
    '  name        = "bastion"\n  #checkov:skip=CKV_AWS_24:reached only through the corporate VPN\n',
)


def ids(result: StepResult) -> set[str]:
    return {finding.check_id for finding in result.findings}


def test_an_unencrypted_s3_bucket_is_reported(checkov_python: CheckovPython) -> None:
    result = scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python)

    assert result.status is StepStatus.FAILED
    [finding] = [f for f in result.findings if f.check_id == "CKV_AWS_145"]
    assert (finding.address, finding.file, finding.line) == ("aws_s3_bucket.logs", "storage.tf", 1)
    assert "encrypted" in finding.message


def test_ssh_open_to_the_world_is_reported(checkov_python: CheckovPython) -> None:
    result = scan({"network.tf": SSH_OPEN_TO_THE_WORLD}, python=checkov_python)

    [finding] = [f for f in result.findings if f.check_id == "CKV_AWS_24"]
    assert (finding.address, finding.file) == ("aws_security_group.bastion", "network.tf")
    assert result.details["failed"] == len(result.findings)
    assert result.details["passed"] > 0


def test_an_inline_skip_is_honoured_and_reported_with_its_reason(
    checkov_python: CheckovPython,
) -> None:
    result = scan({"network.tf": SKIPPED_INLINE}, python=checkov_python)

    assert "CKV_AWS_24" not in ids(result)
    assert result.details["skipped"] == [
        {
            "check_id": "CKV_AWS_24",
            "address": "aws_security_group.bastion",
            "file": "network.tf",
            "line": 1,
            "reason": "reached only through the corporate VPN",
        }
    ]


def test_checks_skipped_by_the_caller_are_left_out(checkov_python: CheckovPython) -> None:
    result = scan(
        {"network.tf": SSH_OPEN_TO_THE_WORLD}, skip_checks=["CKV_AWS_24"], python=checkov_python
    )

    assert "CKV_AWS_24" not in ids(result)


def test_a_data_source_is_named_by_its_terraform_address(checkov_python: CheckovPython) -> None:
    zones = 'data "aws_availability_zones" "available" {\n  state = "available"\n}\n'

    result = scan({"network.tf": zones}, python=checkov_python)

    assert {f.address for f in result.findings} == {"data.aws_availability_zones.available"}


def test_the_worker_is_restarted_after_it_is_killed(checkov_python: CheckovPython) -> None:
    scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python)
    worker = shared_worker(checkov_python)
    killed = worker.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while worker.pid is not None and time.monotonic() < deadline:  # until it is really gone
        time.sleep(0.02)

    result = scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python)

    assert "CKV_AWS_145" in ids(result)
    assert worker.pid not in (None, killed)
    assert result.details["worker_start_ms"] > 0


def test_a_scan_that_takes_too_long_stops_the_worker_and_the_next_one_works(
    checkov_python: CheckovPython,
) -> None:
    scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python)  # worker running

    late = scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python, timeout_s=0.0)
    again = scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python)

    assert late.status is StepStatus.SKIPPED and "did not answer within" in late.reason
    assert "CKV_AWS_145" in ids(again)


def test_scans_from_several_threads_get_their_own_answers(checkov_python: CheckovPython) -> None:
    designs = {"bucket": UNENCRYPTED_BUCKET, "ssh": SSH_OPEN_TO_THE_WORLD}
    results: dict[str, StepResult] = {}

    def run(name: str) -> None:
        results[name] = scan({"main.tf": designs[name]}, python=checkov_python)

    threads = [threading.Thread(target=run, args=(name,)) for name in designs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "CKV_AWS_145" in ids(results["bucket"]) and "CKV_AWS_24" not in ids(results["bucket"])
    assert "CKV_AWS_24" in ids(results["ssh"]) and "CKV_AWS_145" not in ids(results["ssh"])


def test_a_scan_makes_no_network_attempt(checkov_python: CheckovPython) -> None:
    result = scan({"storage.tf": UNENCRYPTED_BUCKET}, python=checkov_python)

    assert result.details["network_attempts"] == []


def test_the_workers_network_guard_refuses_and_records_connections() -> None:
    # The guard runs in a child interpreter: patching sockets here would break other tests.
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        program = (
            "import socket, sys\n"
            f"sys.path.insert(0, {str(Path(checkov_worker.__file__).parent)!r})\n"
            "import checkov_worker as w\n"
            "w.block_network()\n"
            "for attempt in (lambda: socket.create_connection(('127.0.0.1', %d), timeout=2),\n"
            "                lambda: socket.getaddrinfo('example.invalid', 443)):\n"
            "    try:\n"
            "        attempt()\n"
            "    except OSError:\n"
            "        pass\n"
            "print(len(w.network_attempts))\n" % port
        )
        completed = subprocess.run(
            [sys.executable, "-I", "-c", program], capture_output=True, text=True, check=True
        )
        server.settimeout(0.2)
        try:
            server.accept()
            connected = True
        except TimeoutError:
            connected = False

    assert completed.stdout.strip() == "2"
    assert not connected


def test_a_python_without_checkov_is_skipped_with_the_install_hint() -> None:
    not_checkov = CheckovPython(Path(sys.executable), "test: the project's own venv")

    result = scan({"storage.tf": UNENCRYPTED_BUCKET}, python=not_checkov)

    assert result.status is StepStatus.SKIPPED
    assert "checkov could not be imported" in result.reason and "make checkov" in result.reason


def test_without_a_checkov_venv_the_reason_says_how_to_install_it(tmp_path: Path) -> None:
    python, problem = find_checkov_python({"PATH": str(tmp_path)}, folders=[tmp_path])

    assert python is None
    assert problem == "checkov is not installed: run `make checkov`"


def test_the_checkov_python_setting_wins_and_must_point_at_a_python(tmp_path: Path) -> None:
    found, _ = find_checkov_python({CHECKOV_PYTHON_ENV: sys.executable}, folders=[])
    missing, problem = find_checkov_python({CHECKOV_PYTHON_ENV: str(tmp_path / "python")})

    assert found == CheckovPython(Path(sys.executable), CHECKOV_PYTHON_ENV)
    assert missing is None and CHECKOV_PYTHON_ENV in problem and "not an executable" in problem


def test_a_checkov_venv_in_the_working_tree_is_found(tmp_path: Path) -> None:
    python = tmp_path / ".venv-checkov" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)

    found, _ = find_checkov_python({}, folders=[tmp_path / "sub", tmp_path])

    assert found is not None and found.path == python
