"""A real Redis Cluster of three masters on 127.0.0.1, for the cluster-mode tests.

Each node is a ``redis-server --cluster-enabled yes`` on a free port with its own directory
(nodes.conf); ``redis-cli --cluster create ... --cluster-replicas 0`` spreads the 16,384 slots
over the three. Stopped by pid; the directories are the caller's temporary ones.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.gateway.harness import EPHEMERAL_REDIS, wait_for_pong


def free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10,000) is free too; Redis wants ≤ 55,535."""
    for _ in range(200):
        port = random.randint(20_000, 45_000)
        with contextlib.ExitStack() as stack:
            try:
                for candidate in (port, port + 10_000):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


class RedisCluster3:
    def __init__(self, server: str, cli: str, workdir: Path, masters: int = 3) -> None:
        self.server = server
        self.cli = cli
        self.workdir = workdir
        self.ports = [free_cluster_port() for _ in range(masters)]
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """The URL AutCloud takes for cluster mode: every node as a seed."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        try:
            self._create()
        except BaseException:
            self.stop()  # no node outlives a failed start
            raise

    def _create(self) -> None:
        self._launch()
        subprocess.run(
            [
                self.cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in self.ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self._wait_until_ok()

    def restart(self) -> None:
        """The same nodes again after ``stop()``: they rejoin from nodes.conf (data is gone)."""
        self._launch()
        self._wait_until_ok()

    def _launch(self) -> None:
        for port in self.ports:
            folder = self.workdir / f"node-{port}"
            folder.mkdir(parents=True, exist_ok=True)
            self.processes.append(
                subprocess.Popen(
                    [
                        self.server,
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                        "--dir",
                        str(folder),
                        *EPHEMERAL_REDIS,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in self.ports:
            wait_for_pong(port)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(5)
        self.processes = []

    def _wait_until_ok(self) -> None:
        """Every node agrees the cluster is up (all slots covered) before a test uses it."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            states = [
                subprocess.run(
                    [self.cli, "-p", str(port), "cluster", "info"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                ).stdout
                for port in self.ports
            ]
            if all("cluster_state:ok" in state for state in states):
                return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
