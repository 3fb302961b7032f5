"""A real moto server over HTTP (one per test process), seeded once, and scans of it.

Scans only read, so one seeded account serves every test of a session; tests that need another
state start their own server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autcloud.scanner import ScanOptions, ScanResult, TagFilter, scan, write_scan
from autcloud.scanner.output import WrittenScan
from tests.scanner.seed import PROJECT_TAG, Seeded, seed_account

REGION = "eu-west-1"
STACKS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()


def start_moto(extra_env: dict[str, str] | None = None) -> MotoServer:
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            return MotoServer(url, process)
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("moto server exited at start") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("moto server did not start within 30 s")


def stop(server: MotoServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fake credentials, and no user AWS configuration leaking in."""
    empty = tmp_path_factory.mktemp("aws-config") / "none"
    empty.write_text("")
    saved = dict(os.environ)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(empty),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_DEFAULT_REGION=REGION,
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def moto(aws_env: None) -> Iterator[MotoServer]:
    server = start_moto()
    yield server
    stop(server)


@pytest.fixture(scope="session")
def seeded(moto: MotoServer) -> Seeded:
    moto.reset()
    return seed_account(moto.url, REGION, stacks=STACKS)


@pytest.fixture(scope="session")
def full_scan(moto: MotoServer, seeded: Seeded) -> ScanResult:
    return scan(ScanOptions(region=REGION, endpoint_url=moto.url))


@pytest.fixture(scope="session")
def tagged_scan(moto: MotoServer, seeded: Seeded) -> ScanResult:
    tag = TagFilter(*PROJECT_TAG)
    return scan(ScanOptions(region=REGION, endpoint_url=moto.url, tag=tag))


@pytest.fixture(scope="session")
def full_export(full_scan: ScanResult, tmp_path_factory: pytest.TempPathFactory) -> WrittenScan:
    return write_scan(full_scan, tmp_path_factory.mktemp("scan") / "out")


@pytest.fixture(scope="session")
def tagged_export(tagged_scan: ScanResult, tmp_path_factory: pytest.TempPathFactory) -> WrittenScan:
    return write_scan(tagged_scan, tmp_path_factory.mktemp("scan") / "out")


def tf_files(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.tf"))}
