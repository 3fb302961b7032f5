"""A person's path with kubectl against the emulated API server: apply the CRD and a design,
read it back, answer a question with ``kubectl patch``. Mocked: only the API server (kmock).

kubectl needs ``--validate=false`` here: the emulator serves no OpenAPI document."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gitsink.bare_remote import BareRemote
from tests.operator.apiserver import ApiServer
from tests.operator.conftest import launch
from tests.operator.harness import CRD_PATH, OperatorThread, write_kubeconfig
from tests.tooling import require_tool

pytestmark = pytest.mark.asyncio


async def kubectl(*args: str, kubeconfig: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        require_tool("kubectl", "the smoke test drives the emulator with kubectl"),
        *args,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    if process.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {err.decode()}")
    return out.decode()


async def get(name: str, kubeconfig: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        await kubectl("get", "infradesign", name, "-o", "json", kubeconfig=kubeconfig)
    )
    return result


async def wait_phase(
    name: str, phase: str, kubeconfig: Path, generation: int = 1
) -> dict[str, Any]:
    for _ in range(100):
        obj = await get(name, kubeconfig)
        status = obj.get("status", {})
        if status.get("phase") == phase and status.get("observedGeneration") == generation:
            return obj
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} never reached {phase}: {obj.get('status')}")


async def test_kubectl_apply_then_answer_with_kubectl_patch(
    apiserver: ApiServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: OperatorSettings,
    remote: BareRemote,
    start_operator: list[OperatorThread],
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", str(apiserver.url).rstrip("/"))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    await kubectl("apply", "--validate=false", "-f", str(CRD_PATH), kubeconfig=kubeconfig)
    launch(start_operator, OperatorRuntime(settings))
    manifest = {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "InfraDesign",
        "metadata": {"name": "shop", "namespace": "default"},
        "spec": {"request": "A web API with PostgreSQL", "git": {"repository": remote.url}},
    }
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(manifest), encoding="utf-8")

    await kubectl("apply", "--validate=false", "-f", str(path), kubeconfig=kubeconfig)
    asked = await wait_phase("shop", "NeedsInput", kubeconfig)
    question = asked["status"]["questions"][0]["id"]
    answer = [{"type": "answer", "questionId": question, "text": "ap-northeast-2"}]
    await kubectl(
        "patch", "infradesign", "shop", "--type=merge",
        "-p", json.dumps({"spec": {"conversation": answer}}),
        kubeconfig=kubeconfig,
    )  # fmt: skip
    done = await wait_phase("shop", "Ready", kubeconfig, generation=2)

    assert done["status"]["git"]["commitSHA"] == remote.head("autcloud/shop")
    # Lists work (the emulator's lists carry a kind); the printer columns (PHASE, READY, ...)
    # need the API server's Table rendering, which kmock lacks.
    listing = await kubectl("get", "infradesigns", kubeconfig=kubeconfig)
    assert "shop" in listing
    # docs/operator.md: the ledger in brief, read the way the docs say.
    asks = json.loads(
        await kubectl(
            "get", "infradesign", "shop", "-o", "jsonpath={.status.asks}", kubeconfig=kubeconfig
        )
    )
    assert asks["honored"] >= 2 and asks["notHonored"] == []
