"""Running the real operator (kopf) against the emulator: a kubeconfig, a thread, a client."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.runner import serve

REPO = Path(__file__).resolve().parents[2]
CRD_PATH = REPO / "crds" / "autcloud.io_infradesigns.yaml"
DESIGNS = "/apis/autcloud.io/v1alpha1/namespaces/{namespace}/infradesigns"


# The bearer token the operator (kopf, and its own client) presents: the emulator records
# calls by token, so the operator's calls can be told from the test's (tests/operator/rbac.py).
OPERATOR_TOKEN = "operator-service-account-token"


def write_kubeconfig(path: Path, server: str, token: str = OPERATOR_TOKEN) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "emulator", "cluster": {"server": server}}],
        "users": [{"name": "tester", "user": {"token": token}}],
        "contexts": [
            {
                "name": "emulator",
                "context": {"cluster": "emulator", "user": "tester", "namespace": "default"},
            }
        ],
        "current-context": "emulator",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class OperatorThread:
    """``kopf.operator()`` cancels every task of its loop on exit, so it gets a loop of its own."""

    def __init__(self, runtime: OperatorRuntime) -> None:
        self.runtime = runtime
        self.ready = threading.Event()
        self.stop_flag = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="operator", daemon=True)

    def start(self, timeout: float = 20.0) -> OperatorThread:
        self._thread.start()
        if not self.ready.wait(timeout):
            raise AssertionError(f"the operator did not get ready: {self.error!r}")
        return self

    def stop(self, timeout: float = 20.0) -> None:
        self.stop_flag.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError("the operator did not stop")

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(
                serve(self.runtime, stop_flag=self.stop_flag, ready_flag=self.ready)
            )
        except BaseException as error:  # reported by start()/the test
            self.error = error
        finally:
            loop.close()


class Cluster:
    """What a person does with kubectl, as HTTP calls to the emulator."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    async def _call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                method,
                self.server + path,
                data=json.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json", **headers},
            ) as response,
        ):
            text = await response.text()
            if response.status >= 400:
                raise AssertionError(f"{method} {path}: HTTP {response.status}: {text[:500]}")
            return json.loads(text) if text else None

    async def install_crd(self) -> None:
        crd = yaml.safe_load(CRD_PATH.read_text(encoding="utf-8"))
        await self._call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)

    async def create_secret(self, namespace: str, name: str, data: Mapping[str, str]) -> None:
        import base64

        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }
        await self._call("POST", f"/api/v1/namespaces/{namespace}/secrets", body)

    async def apply(self, name: str, spec: Mapping[str, Any], namespace: str = "default") -> None:
        body = {
            "apiVersion": "autcloud.io/v1alpha1",
            "kind": "InfraDesign",
            "metadata": {"name": name, "namespace": namespace},
            "spec": dict(spec),
        }
        await self._call("POST", DESIGNS.format(namespace=namespace), body)

    async def patch_spec(
        self, name: str, spec: Mapping[str, Any], namespace: str = "default"
    ) -> None:
        path = DESIGNS.format(namespace=namespace) + f"/{name}"
        await self._call(
            "PATCH", path, {"spec": dict(spec)}, **{"Content-Type": "application/merge-patch+json"}
        )

    async def delete(self, name: str, namespace: str = "default") -> None:
        await self._call("DELETE", DESIGNS.format(namespace=namespace) + f"/{name}")

    async def get(self, name: str, namespace: str = "default") -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = await self._call(
                "GET", DESIGNS.format(namespace=namespace) + f"/{name}"
            )
        except AssertionError as error:
            if "HTTP 404" in str(error):
                return None
            raise
        return result

    async def wait_for(
        self,
        name: str,
        check: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 12.0,
        namespace: str = "default",
        what: str = "the condition",
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            last = await self.get(name, namespace)
            if last is not None and check(last):
                return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name}: timed out waiting for {what}; last: {last!r}"[:3000])


def condition(obj: Mapping[str, Any], type_: str) -> Mapping[str, Any]:
    for item in obj.get("status", {}).get("conditions", []):
        if item["type"] == type_:
            return dict(item)
    return {}


def is_settled(generation: int | None = None) -> Callable[[dict[str, Any]], bool]:
    """The status describes the spec (observedGeneration) and the run has finished."""

    def check(obj: dict[str, Any]) -> bool:
        status = obj.get("status", {})
        wanted = generation or obj["metadata"].get("generation", 1)
        return bool(
            status.get("observedGeneration") == wanted
            and status.get("phase") in ("Ready", "NeedsInput", "Refused", "Failed")
        )

    return check


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")
