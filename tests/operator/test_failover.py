"""Two ``autcloud operator --leader-election`` processes: one works, the other waits and takes over.

Real: two operator processes started as a person starts them (the CLI, a kubeconfig), the
design engine, git and a bare repository as the designs' remote; the Lease lives in the API
server. Mocked: only the Kubernetes API server (the emulator, tests/operator/apiserver.py),
because no real one can run here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from autcloud.operator.settings import LeaderElection
from tests.gitsink.bare_remote import BareRemote
from tests.operator.harness import Cluster, is_settled
from tests.operator.test_operator_kmock import commits, spec_for

pytestmark = pytest.mark.asyncio

LEASE = "autcloud-operator"
LEASE_PATH = f"/apis/coordination.k8s.io/v1/namespaces/default/leases/{LEASE}"
LEASE_SECONDS = 4  # short, so the test is quick; the default (15) works the same way
ELECTION = LeaderElection(LEASE, "default", LEASE_SECONDS)
# kopf's start after winning (imports are done by then; it lists and watches): generous on
# a 2-core machine shared with other work.
START_SECONDS = 10.0


class Operators:
    """``autcloud operator`` processes, each with its own POD_NAME and log file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, pod: str, *extra: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "POD_NAME": pod, "POD_NAMESPACE": "default"}
        log = (self.folder / f"{pod}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "autcloud", "operator", *self.arguments(pod), *extra],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[pod] = process
        return process

    def arguments(self, pod: str) -> list[str]:
        return [
            f"--leader-election={LEASE}",
            f"--lease-duration={LEASE_SECONDS}",
            "--metrics-listen=off",
            "--no-diagram",
            "--log-format=plain",
            "--allow-local-repositories",  # the remote is a bare repository in tmp_path
            f"--git-cache={self.folder / pod / 'git-cache'}",
        ]

    def log(self, pod: str) -> str:
        return (self.folder / f"{pod}.log").read_text(encoding="utf-8", errors="replace")

    async def wait_for_log(self, pod: str, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log(pod):
            if time.monotonic() > deadline:
                raise AssertionError(f"{pod} never logged {text!r}:\n{self.log(pod)[-3000:]}")
            await asyncio.sleep(0.1)

    async def stop_all(self) -> None:
        """SIGTERM, waiting on a thread: the emulator answers on this loop meanwhile."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest_asyncio.fixture
async def operators(cluster: Cluster, tmp_path: Path) -> AsyncIterator[Operators]:
    running = Operators(tmp_path)
    yield running
    await running.stop_all()
    for pod in running.processes:  # shown when a test fails
        print(f"--- {pod}\n{running.log(pod)[-4000:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def http_get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def lease_holder(cluster: Cluster) -> str | None:
    try:
        lease: dict[str, Any] = await cluster._call("GET", LEASE_PATH)
    except AssertionError as error:
        if "HTTP 404" in str(error):
            return None
        raise
    holder = (lease.get("spec") or {}).get("holderIdentity")
    return str(holder) if holder else None


async def wait_for_holder(cluster: Cluster, pod: str, timeout: float) -> float:
    """Seconds until ``pod`` holds the Lease (identities are ``POD_NAME_<random>``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        holder = await lease_holder(cluster)
        if holder is not None and holder.startswith(f"{pod}_"):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"{pod} did not take the Lease in {timeout:.0f} s: {holder!r}")


async def test_one_operator_works_the_other_waits_and_takes_over_when_it_is_killed(
    cluster: Cluster, remote: BareRemote, operators: Operators
) -> None:
    first = operators.start("operator-a")
    await wait_for_holder(cluster, "operator-a", timeout=30)
    health, metrics = free_port(), free_port()
    second = operators.start(
        "operator-b",
        f"--liveness=http://127.0.0.1:{health}/healthz",
        f"--metrics-listen=127.0.0.1:{metrics}",
    )
    await operators.wait_for_log("operator-b", "event=standby", timeout=30)
    # The standby answers the pod's probes and Prometheus while it waits.
    assert await http_get(f"http://127.0.0.1:{health}/healthz") == (200, '{"standby": true}')
    assert (await http_get(f"http://127.0.0.1:{metrics}/metrics"))[0] == 200
    await cluster.apply("web", spec_for(remote))
    await cluster.apply("api", spec_for(remote, "An internal REST API with DynamoDB in Seoul"))
    for name in ("web", "api"):
        obj = await cluster.wait_for(name, is_settled(), timeout=60, what="settled")
        assert obj["status"]["phase"] == "Ready", obj["status"]
    await asyncio.sleep(1.0)  # the standby had time to do something, if it were going to

    assert (await lease_holder(cluster) or "").startswith("operator-a_")
    assert second.poll() is None, operators.log("operator-b")
    assert "event=standby" in operators.log("operator-b")
    assert "event=reconciled" not in operators.log("operator-b")

    # Killed in the middle of a run: "db" has started (its commit may or may not be pushed).
    await cluster.apply("db", spec_for(remote, "A PostgreSQL database for reporting in Seoul"))
    await operators.wait_for_log("operator-a", "event=run_started design=default/db", timeout=30)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    took = await wait_for_holder(cluster, "operator-b", timeout=ELECTION.takeover_seconds + 10)
    assert took <= ELECTION.takeover_seconds + 1.0, f"took over after {took:.1f} s"
    await cluster.apply("cache", spec_for(remote))
    settled = [
        await cluster.wait_for(name, is_settled(), timeout=START_SECONDS + 60, what="settled")
        for name in ("db", "cache")
    ]

    assert [obj["status"]["phase"] for obj in settled] == ["Ready", "Ready"]
    log = operators.log("operator-b")
    assert "event=reconciled design=default/db" in log
    assert "event=reconciled design=default/cache" in log
    # Finished designs were resumed, not designed again; the interrupted one was finished by
    # the new leader: one commit each, whichever side of the push the kill landed on.
    names = ("web", "api", "db", "cache")
    assert {name: commits(remote, f"autcloud/{name}") for name in names} == dict.fromkeys(names, 1)


async def test_a_leader_that_finds_another_holder_stops_at_once_with_exit_code_1(
    cluster: Cluster, operators: Operators
) -> None:
    leader = operators.start("operator-a")
    await wait_for_holder(cluster, "operator-a", timeout=30)
    lease: dict[str, Any] = await cluster._call("GET", LEASE_PATH)
    spec = {**lease["spec"], "holderIdentity": "someone-else", "leaseTransitions": 9}

    await cluster._call(
        "PATCH", LEASE_PATH, {"spec": spec}, **{"Content-Type": "application/merge-patch+json"}
    )

    code = await asyncio.to_thread(leader.wait, ELECTION.retry_seconds + 10)
    assert code == 1
    assert "event=leadership_lost" in operators.log("operator-a")


async def test_a_stopped_leader_hands_the_lease_over_without_waiting_for_it_to_expire(
    cluster: Cluster, operators: Operators
) -> None:
    first = operators.start("operator-a", f"--lease-duration={60}")
    await wait_for_holder(cluster, "operator-a", timeout=30)
    operators.start("operator-b", f"--lease-duration={60}")
    await operators.wait_for_log("operator-b", "event=standby", timeout=30)

    first.send_signal(signal.SIGTERM)

    took = await wait_for_holder(cluster, "operator-b", timeout=30)
    assert first.wait(10) == 0
    assert took < 30, "b waited for the 60 s lease instead of taking the released one"
