"""Fixtures: the emulated API server (kmock + the gaps filled in), the CRD installed, a bare git
repository as the design's remote, and the operator running in a thread of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import kmock
import pytest
import pytest_asyncio

from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gitsink.bare_remote import BareRemote
from tests.operator.apiserver import ApiServer, broken_writes
from tests.operator.harness import OPERATOR_TOKEN, Cluster, OperatorThread, write_kubeconfig


@pytest_asyncio.fixture
async def apiserver() -> AsyncIterator[ApiServer]:
    async with ApiServer() as server, kmock.Server(server):
        yield server
    # Every test holds the operator's writes to the CRDs (see broken_writes).
    problems = broken_writes(server.calls_by(OPERATOR_TOKEN))
    assert not problems, "the operator's writes break the CRD:\n" + "\n".join(problems)


@pytest_asyncio.fixture
async def cluster(apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    url = str(apiserver.url).rstrip("/")
    # kopf's login and kubectl both read KUBECONFIG; no other credentials are looked for.
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", url)))
    monkeypatch.setenv("HOME", str(tmp_path))
    cluster = Cluster(url)
    await cluster.install_crd()
    return cluster


@pytest.fixture
def remote(tmp_path: Path) -> BareRemote:
    """A bare repository with a ``main`` branch, as any repository people review in has."""
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"Infrastructure\n"}, tmp_path / "work")
    return bare


@pytest.fixture
def settings(tmp_path: Path) -> OperatorSettings:
    return OperatorSettings(
        max_concurrent_runs=4,
        git_cache_dir=tmp_path / "git-cache",
        retry_delay_seconds=1.0,
        secret_recheck_seconds=2.0,
        allow_local_repositories=True,  # the remote is a bare repository in tmp_path
    )


@pytest.fixture
def start_operator(cluster: Cluster, settings: OperatorSettings) -> Iterator[list[OperatorThread]]:
    started: list[OperatorThread] = []
    yield started
    for thread in started:
        thread.stop()


def launch(started: list[OperatorThread], runtime: OperatorRuntime) -> OperatorThread:
    thread = OperatorThread(runtime).start()
    started.append(thread)
    return thread
