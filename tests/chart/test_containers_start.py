"""Every container the chart renders starts: its own command line, run for real.

For each documented values combination (rendering.SCENARIOS) every container's rendered
command and arguments are run with the real program — this checkout's ``autcloud operator`` /
``autcloud gateway``, the installed ``redis-server`` — and the rendered environment, as
containers.py describes (Secrets as dummies, volume mounts and ports moved to this machine, an
API server that refuses connections, a Redis that does not resolve).

Started means: the process serves its rendered liveness probe (any HTTP answer, or a TCP
connection for Redis) on the port the probe names, within STARTUP_S, without having exited.
Argument and configuration errors exit at once (usage errors with 2, Redis with 1) and fail the
test with the output; failing to reach the API server or Redis is expected and does not count,
since the process retries those while it serves its probe. Command lines that several
combinations render identically are run once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.chart.containers import (
    REDIS_PASSWORD,
    Launch,
    connect_like_the_container,
    environment,
    prepare,
    running,
    unreachable_kubeconfig,
    wait_until_serving,
)
from tests.chart.rendering import SCENARIOS, scenario

STARTUP_S = 120  # shared cores under load; the operator imports kopf and the design engine


def _containers() -> dict[str, tuple[str, dict[str, Any]]]:
    """Each distinct rendered container (command, args, env, ports, mounts), by a readable id."""
    seen: dict[str, str] = {}
    distinct: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in SCENARIOS:
        for deployment, pod in scenario(name).pod_specs():
            for container in pod["containers"]:
                key = json.dumps(
                    [
                        container.get(field)
                        for field in ("command", "args", "env", "ports", "volumeMounts")
                    ],
                    sort_keys=True,
                )
                if key not in seen:
                    seen[key] = f"{name}:{container['name']}"
                    distinct[seen[key]] = (deployment, container)
    return distinct


CONTAINERS = _containers()


def test_the_combinations_render_every_kind_of_container() -> None:
    kinds = {case.split(":")[1] for case in CONTAINERS}
    assert kinds == {"operator", "gateway", "redis"}


@pytest.mark.parametrize("case", sorted(CONTAINERS))
def test_every_rendered_container_starts_with_its_arguments_and_environment(
    case: str, tmp_path: Path
) -> None:
    _, container = CONTAINERS[case]
    kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    launch = prepare(container, tmp_path / "root", kubeconfig)
    with running(launch, tmp_path / "output.log") as started:
        wait_until_serving(started, container["livenessProbe"], STARTUP_S)
        if container["name"] == "redis":
            _assert_redis_runs_as_rendered(launch)
        assert started.process.poll() is None, started.output()


def _assert_redis_runs_as_rendered(launch: Launch) -> None:
    """The rendered settings took effect: durability, memory policy and the password."""
    args = launch.argv
    password = launch.env.get("REDIS_PASSWORD") if "--requirepass" in args else None
    if password is not None:
        assert password == REDIS_PASSWORD  # the Secret's dummy, through $(REDIS_PASSWORD)
    port = int(args[args.index("--port") + 1])
    client = Redis(host="127.0.0.1", port=port, password=password, socket_timeout=5)
    try:
        answer: dict[Any, Any] = client.config_get("*")  # type: ignore[assignment]
        config = {
            key.decode() if isinstance(key, bytes) else key: str(value)
            for key, value in answer.items()
        }
    finally:
        client.close()
    assert config["appendonly"] == "yes"
    assert config["appendfsync"] == "everysec"
    assert config["maxmemory-policy"] == "noeviction"
    assert config["maxmemory"] == args[args.index("--maxmemory") + 1]
    assert config["dir"] == args[args.index("--dir") + 1]


def test_the_redis_password_reaches_every_client_intact(tmp_path: Path) -> None:
    """The operator's and gateway's rendered environment, expanded like the container's, opens
    Redis through the code's one URL helper with the exact password of the Secret."""
    rendered = scenario("redis-with-password")
    kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    redis = prepare(
        rendered.one("Deployment", "-redis")["spec"]["template"]["spec"]["containers"][0],
        tmp_path / "redis",
        kubeconfig,
    )
    with running(redis, tmp_path / "redis.log") as started:
        wait_until_serving(started, redis.container["livenessProbe"], STARTUP_S)
        port = int(redis.argv[redis.argv.index("--port") + 1])
        for suffix in ("-operator", "-gateway"):
            container = rendered.one("Deployment", suffix)["spec"]["template"]["spec"][
                "containers"
            ][0]
            password = connect_like_the_container(environment(container), container, port)
            assert password == REDIS_PASSWORD, suffix
