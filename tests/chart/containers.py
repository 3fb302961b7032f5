"""Run a rendered container's command line on this machine, as the kubelet would start it.

What is the kubelet's, kept as is: the command and args, the environment in its order, and
``$(VAR)`` expansion (a variable defined earlier in ``env`` for env values, any defined one for
args; ``$$`` escapes; an undefined reference stays literal).

What a pod has and this machine has not, stood in for (and only that):
- ``valueFrom.secretKeyRef``: a dummy value (SECRET_VALUES, else ``dummy-<name>``);
  ``fieldRef``: the value the downward API would give (FIELD_VALUES).
- Volume mounts: a path under a container's ``mountPath`` (in env values and args) becomes the
  same path under a fresh directory of the test, since the root filesystem here is not the
  image's.
- Listening ports: each rendered port number becomes a free port of this machine (other
  sessions share it), in ``0.0.0.0:PORT`` arguments and in Redis's ``--port``; probes are sent to
  the free port standing for the probe's containerPort.
- The API server: the kubelet's service-account mount cannot be made here, so KUBECONFIG points
  at a server that refuses every connection (an unreachable API server). Service DNS names do not
  resolve here, so the chart's Redis is unreachable too, unless a test starts one.
- The command: ``autcloud`` is this checkout's ``.venv/bin/autcloud``; ``redis-server`` is the
  installed one.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.chart.rendering import NAMESPACE, REPO
from tests.tooling import require_tool

# A password with every character a URL gives a meaning to, and a space: it must arrive intact.
REDIS_PASSWORD = "p@ss/w#rd:50% ?x y"
SECRET_VALUES = {
    "AUTCLOUD_REDIS_PASSWORD": REDIS_PASSWORD,
    "REDIS_PASSWORD": REDIS_PASSWORD,
    # redis.urlSecret holds a whole URL, its password percent-encoded by the user (values.yaml)
    "AUTCLOUD_REDIS_URL": "rediss://:p%40ss%2Fw%23rd@redis.infra.invalid:6380/0",
}
FIELD_VALUES = {"metadata.name": "ac-autcloud-pod-0", "metadata.namespace": NAMESPACE}
_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_LISTEN = re.compile(r"0\.0\.0\.0:(\d+)")


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion (``$$`` is a literal ``$``)."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _REFERENCE.sub(one, text)


def environment(container: Mapping[str, Any]) -> dict[str, str]:
    """The container's environment as the kubelet builds it (Secrets as dummies)."""
    env: dict[str, str] = {}
    for var in container.get("env", []):
        name = var["name"]
        if "value" in var:
            env[name] = expand(str(var["value"]), env)
        elif "secretKeyRef" in var.get("valueFrom", {}):
            env[name] = SECRET_VALUES.get(name, f"dummy-{name.lower()}")
        elif "fieldRef" in var.get("valueFrom", {}):
            env[name] = FIELD_VALUES[var["valueFrom"]["fieldRef"]["fieldPath"]]
        else:
            raise AssertionError(f"env {name}: no value the test knows how to give: {var}")
    return env


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, never the same one twice in this test run."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def closed_port() -> int:
    """A port nothing listens on (bound, then released: connections to it are refused)."""
    return free_port()


@dataclass
class Launch:
    """A container's command line ready to run here, and where its probes go."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ports: dict[int, int]  # containerPort -> the free port standing for it
    container: Mapping[str, Any]

    def probe_port(self, probe: Mapping[str, Any]) -> int:
        """The local port of a probe's ``port`` (a number or a containerPort's name)."""
        port = (probe.get("httpGet") or probe.get("tcpSocket") or {})["port"]
        if isinstance(port, str):
            named = {p["name"]: p["containerPort"] for p in self.container.get("ports", [])}
            port = named[port]
        return self.ports[int(port)]


def prepare(container: Mapping[str, Any], root: Path, kubeconfig: Path) -> Launch:
    """The container's command line and environment for this machine (see the module doc)."""
    env = environment(container)
    mounts = sorted(
        (mount["mountPath"] for mount in container.get("volumeMounts", [])), key=len, reverse=True
    )
    for mount in mounts:
        (root / mount.strip("/")).mkdir(parents=True, exist_ok=True)
    ports = {int(port["containerPort"]): free_port() for port in container.get("ports", [])}

    def local(text: str) -> str:
        for mount in mounts:
            if text == mount or text.startswith(mount + "/"):
                return str(root / mount.strip("/")) + text[len(mount) :]
        return _LISTEN.sub(lambda m: f"127.0.0.1:{ports.setdefault(int(m[1]), free_port())}", text)

    env = {name: local(value) for name, value in env.items()}
    args = [local(expand(str(arg), env)) for arg in container.get("args", [])]
    command = [expand(str(word), env) for word in container.get("command", [])]
    if command == ["autcloud"]:
        program = [str(REPO / ".venv" / "bin" / "autcloud")]
    elif command == ["redis-server"]:
        program = [require_tool("redis-server", "the chart's Redis container is run for real")]
        at = args.index("--port") + 1
        args[at] = str(ports.setdefault(int(args[at]), free_port()))
    else:
        raise AssertionError(f"container {container['name']}: unknown command {command}")
    env |= {"KUBECONFIG": str(kubeconfig), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    return Launch(container["name"], program + args, env, ports, container)


def unreachable_kubeconfig(path: Path) -> Path:
    """A kubeconfig whose API server refuses every connection."""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{closed_port()}', "
        "insecure-skip-tls-verify: true}}]\n"
        "users: [{name: u, user: {token: dummy-service-account-token}}]\n"
        f"contexts: [{{name: x, context: {{cluster: c, user: u, namespace: {NAMESPACE}}}}}]\n"
        "current-context: x\n"
    )
    return path


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    launch: Launch
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def running(launch: Launch, log: Path) -> Iterator[Started]:
    """The process, stopped (by its pid) when the block ends."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            launch.argv, env=launch.env, stdout=sink, stderr=subprocess.STDOUT, cwd=log.parent
        )
    try:
        yield Started(process, launch, log)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def answers(started: Started, probe: Mapping[str, Any]) -> bool:
    """Whether the probe's port answers: any HTTP status for httpGet (readiness may well say
    503 while Redis or the API server are unreachable), a connection for tcpSocket."""
    port = started.launch.probe_port(probe)
    if "httpGet" in probe:
        url = f"http://127.0.0.1:{port}{probe['httpGet'].get('path', '/')}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # an HTTP answer: the server is up
        except OSError:
            return False
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


def wait_until_serving(started: Started, probe: Mapping[str, Any], timeout_s: float) -> None:
    """Until ``probe`` answers; AssertionError with the output if the process exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        code = started.process.poll()
        if code is not None:
            raise AssertionError(
                f"{started.launch.name} exited with {code} before serving:\n"
                f"{' '.join(started.launch.argv)}\n{started.output()}"
            )
        if answers(started, probe):
            return
        time.sleep(0.2)
    raise AssertionError(
        f"{started.launch.name} did not serve its probe within {timeout_s} s:\n{started.output()}"
    )


def connect_like_the_container(
    env: Mapping[str, str], container: Mapping[str, Any], port: int
) -> str | None:
    """Open Redis the way the container's code would, and PING it.

    The URL is the gateway's expanded ``--redis-url`` argument, else ``$AUTCLOUD_REDIS_URL``
    (the operator's default for ``--redis-url``); it is opened by the code's one helper
    (``autcloud.gateway.redis_url``) with the container's environment, the service's host
    standing for the local Redis on ``port``. Returns the password the client authenticated
    with."""
    import asyncio
    from unittest import mock
    from urllib.parse import urlsplit

    from autcloud.gateway.redis_url import redis_from_url

    url = env["AUTCLOUD_REDIS_URL"]
    for arg in container.get("args", []):
        if str(arg).startswith("--redis-url="):
            url = expand(str(arg), env).removeprefix("--redis-url=")
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    local = parts._replace(netloc=(userinfo + "@" if userinfo else "") + f"127.0.0.1:{port}")

    async def ping() -> str | None:
        client = redis_from_url(local.geturl())
        try:
            assert await client.ping()  # type: ignore[misc]  # redis-py types sync and async as one
            password: str | None = client.connection_pool.connection_kwargs.get("password")
            return password
        finally:
            await client.aclose()

    with mock.patch.dict("os.environ", dict(env), clear=True):
        return asyncio.run(ping())
