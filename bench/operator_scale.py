"""50 InfraDesigns applied at once: how long until all are Ready, and the operator's peak memory.

The API server is the test emulator (kmock with the gaps filled in, tests/operator/apiserver.py)
in a child process, so the memory figures are the operator's own: kopf, the design engine,
git (peak RSS from getrusage; AUTCLOUD_BENCH_TRACEMALLOC=1 adds tracemalloc's peak of Python
allocations, at about twice the run time). Every design commits to its own branch of one local bare repository, as designs sharing a
GitOps repository do. Run from the repository root: .venv/bin/python bench/operator_scale.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the emulator lives with the tests

from autcloud.operator.infradesign import OperatorRuntime  # noqa: E402
from autcloud.operator.runner import serve  # noqa: E402
from autcloud.operator.settings import OperatorSettings  # noqa: E402
from tests.operator.harness import write_kubeconfig  # noqa: E402

COUNT = int(os.environ.get("AUTCLOUD_BENCH_DESIGNS", "50"))
RUNS = int(os.environ.get("AUTCLOUD_BENCH_RUNS", "4"))
REQUESTS = (
    "A containerised web API with PostgreSQL in Seoul",
    "A serverless API with DynamoDB in Tokyo",
    "A static website with a CDN in us-east-1",
    "A web app with MySQL and a Redis cache in Frankfurt",
)
DESIGNS = "/apis/autcloud.io/v1alpha1/namespaces/default/infradesigns"


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.operator.apiserver"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def bare_repository(folder: Path) -> str:
    remote = folder / "infra.git"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(folder)}
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=env)
    work = folder / "seed"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, env=env)
    (work / "README.md").write_text("infrastructure\n")
    for args in (
        ["add", "README.md"],
        ["-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "seed"],
        ["push", "-q", "origin", "HEAD:refs/heads/main"],
    ):
        subprocess.run(["git", *args], cwd=work, check=True, env=env)
    return str(remote)


async def drive(server: str, repository: str) -> tuple[float, dict[str, int]]:
    async with aiohttp.ClientSession() as http:
        crd = yaml.safe_load((ROOT / "crds" / "autcloud.io_infradesigns.yaml").read_text())
        await http.post(
            f"{server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd
        )
        await asyncio.sleep(1.0)  # let the operator discover the resource and start watching
        started = time.perf_counter()
        await asyncio.gather(
            *(
                http.post(
                    server + DESIGNS,
                    json={
                        "apiVersion": "autcloud.io/v1alpha1",
                        "kind": "InfraDesign",
                        "metadata": {"name": f"design-{i:03d}", "namespace": "default"},
                        "spec": {
                            "request": REQUESTS[i % len(REQUESTS)],
                            "assumeDefaults": True,
                            "git": {"repository": repository},
                        },
                    },
                )
                for i in range(COUNT)
            )
        )
        phases: dict[str, int] = {}
        while time.perf_counter() - started < 600:
            async with http.get(server + DESIGNS) as response:
                items: list[dict[str, Any]] = (await response.json())["items"]
            phases = {}
            for item in items:
                phase = item.get("status", {}).get("phase", "Pending")
                phases[phase] = phases.get(phase, 0) + 1
            if sum(n for p, n in phases.items() if p in ("Ready", "Failed", "Refused")) >= COUNT:
                break
            await asyncio.sleep(0.2)
        return time.perf_counter() - started, phases


async def install_crd(server: str) -> None:
    crd = yaml.safe_load((ROOT / "crds" / "autcloud.io_infradesigns.yaml").read_text())
    async with aiohttp.ClientSession() as http:
        url = f"{server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        async with http.post(url, json=crd) as response:
            response.raise_for_status()


def main() -> None:
    emulator, server = start_emulator()
    folder = Path(tempfile.mkdtemp(prefix="autcloud-bench-"))
    os.environ["KUBECONFIG"] = str(write_kubeconfig(folder / "kubeconfig", server))
    repository = bare_repository(folder)
    asyncio.run(install_crd(server))
    logging.basicConfig(level=logging.WARNING)  # kopf's per-object INFO lines cost time
    trace = os.environ.get("AUTCLOUD_BENCH_TRACEMALLOC") == "1"  # ~2x slower when on
    settings = OperatorSettings(
        max_concurrent_runs=RUNS,
        git_cache_dir=folder / "cache",
        allow_local_repositories=True,  # the remote is a local bare repository
    )
    runtime = OperatorRuntime(settings)
    stop = threading.Event()
    ready = threading.Event()
    result: dict[str, Any] = {}

    def client() -> None:
        ready.wait(30)
        result["seconds"], result["phases"] = asyncio.run(drive(server, repository))
        stop.set()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    thread = threading.Thread(target=client)
    thread.start()
    try:
        asyncio.run(serve(runtime, stop_flag=stop, ready_flag=ready))
    finally:
        thread.join()
        emulator.terminate()
        emulator.wait()
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    seconds = result["seconds"]
    print(
        f"designs applied at once:       {COUNT} (max concurrent runs {RUNS}, {os.cpu_count()} CPUs)"
    )
    print(f"time until all settled:        {seconds:.1f} s  ({COUNT / seconds:.2f} designs/s)")
    print(f"phases at the end:             {json.dumps(result['phases'], sort_keys=True)}")
    print(f"design runs / commits:         {runtime.runs} / {runtime.commits}")
    print(
        f"operator peak RSS:             {rss_peak / 1024:.0f} MiB (at start {rss_before / 1024:.0f} MiB)"
    )
    if traced_peak is not None:
        print(f"peak Python allocations:       {traced_peak / 2**20:.0f} MiB (tracemalloc)")


if __name__ == "__main__":
    main()
