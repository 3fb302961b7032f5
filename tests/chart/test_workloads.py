"""What the operator, gateway and Redis pods are told: flags, environment, Secret references."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from autcloud.cli import build_parser
from tests.chart.rendering import (
    CHART_DIR,
    NAMESPACE,
    RELEASE,
    SCENARIOS,
    env_of,
    render,
    scenario,
)

SECRETISH = re.compile(r"(KEY|TOKEN|PASSWORD|SECRET)", re.IGNORECASE)


def _container(name: str, deployment_suffix: str) -> dict[str, Any]:
    deployment = scenario(name).one("Deployment", deployment_suffix)
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def test_operator_runs_standalone_with_kopfs_liveness_endpoint() -> None:
    container = _container("defaults", "-operator")
    assert container["command"] == ["autcloud"]
    assert container["args"] == [
        "operator",
        "--standalone",
        f"--namespace={NAMESPACE}",
        "--liveness=http://0.0.0.0:8080/healthz",
        "--metrics-listen=0.0.0.0:9090",
        "--log-level=INFO",
        "--default-provider=offline",
    ]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert {port["name"]: port["containerPort"] for port in container["ports"]} == {
        "health": 8080,
        "metrics": 9090,
    }


def test_target_allow_lists_and_insecure_http_become_operator_flags() -> None:
    args = _container("target-allow-lists", "-operator")["args"]

    assert [arg for arg in args if arg.startswith("--allow-")] == [
        "--allow-git-host=github.com",
        "--allow-git-host=*.git.example.com",
        "--allow-git-host=gitea.internal:3000",
        "--allow-provider-host=llm.ai.svc",
        "--allow-insecure-http",
    ]


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_chart_never_lets_the_operator_use_local_repositories(name: str) -> None:
    # A local path in a cluster is the operator's own disk: only the local demo may allow it.
    for deployment in scenario(name).of_kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert "--allow-local-repositories" not in container.get("args", [])
    for template in CHART_DIR.joinpath("templates").iterdir():
        assert "--allow-local-repositories" not in _without_comments(template.read_text())


def _without_comments(text: str) -> str:
    return re.sub(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", "", text, flags=re.DOTALL)


def test_standalone_operator_never_runs_twice_during_a_rollout() -> None:
    deployment = scenario("defaults").one("Deployment", "-operator")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}


def test_leader_election_replaces_standalone_and_all_namespaces_replaces_namespace() -> None:
    args = _container("watch-all-namespaces-with-leader-election", "-operator")["args"]
    assert f"--leader-election={RELEASE}-autcloud-operator" in args
    assert "--lease-duration=20" in args
    assert "--all-namespaces" in args and "--selector=autcloud.io/shard in (a,b)" in args
    assert "--standalone" not in args
    assert not [arg for arg in args if arg.startswith("--namespace")]


def test_leader_election_rolls_pods_over_one_at_a_time() -> None:
    deployment = scenario("watch-all-namespaces-with-leader-election").one(
        "Deployment", "-operator"
    )
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate"}


def test_the_lease_name_can_be_set() -> None:
    from tests.chart.rendering import render

    values = {"operator": {"leaderElection": {"enabled": True, "leaseName": "shard-a"}}}
    args = render(values).one("Deployment", "-operator")["spec"]["template"]["spec"]["containers"][
        0
    ]["args"]
    assert "--leader-election=shard-a" in args and "--lease-duration=15" in args


def test_gateway_serves_on_all_interfaces_with_kubernetes_auth() -> None:
    container = _container("defaults", "-gateway")
    assert container["args"] == [
        "gateway",
        "--redis-url=$(AUTCLOUD_REDIS_URL)",
        "--listen=0.0.0.0:8080",
        "--kubernetes-auth",
        "--heartbeat=15",
        "--log-level=INFO",
    ]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


def test_each_gateway_limit_becomes_the_flag_its_comment_names() -> None:
    # Every gateway.limits key of values.yaml, set to a value of its own: the template must pass
    # it as the flag the key's comment documents ("(--flag; default)"), and the CLI's parser
    # must read that value back. A key the template forgets, or two keys crossed, fails here.
    text = (CHART_DIR / "values.yaml").read_text()
    limits = yaml.safe_load(text)["gateway"]["limits"]
    documented = dict(re.findall(r"\((--[a-z-]+);.*?\n\s+(\w+): null", text, re.DOTALL))
    flag_of = {key: flag for flag, key in documented.items() if key in limits}
    assert set(flag_of) == set(limits), "every gateway.limits comment names its flag"
    values = {key: 101 + index for index, key in enumerate(sorted(limits))}
    values["requestsMaxBytes"] = 268_435_457  # large: Helm's float must not print as 2.68e+08
    container = render({"gateway": {"limits": values}}).one("Deployment", "-gateway")["spec"][
        "template"
    ]["spec"]["containers"][0]
    args = [arg.replace("$(AUTCLOUD_REDIS_URL)", "redis://r:6379/0") for arg in container["args"]]
    rendered = dict(arg.split("=", 1) for arg in args if arg.startswith("--") and "=" in arg)
    parser, _ = build_parser(args)
    parsed = vars(parser.parse_args(args))
    for key, flag in flag_of.items():
        assert rendered[flag] == str(values[key]), f"{key}: {flag}={rendered.get(flag)}"
        assert parsed[flag[2:].replace("-", "_")] == values[key], key


def test_values_no_combination_sets_reach_their_pods() -> None:
    # Settings none of SCENARIOS changes from their defaults, set once: each changes what runs.
    rendered = render(
        {
            "operator": {
                "chatGroup": "autcloud-team-a",
                "healthPort": 8181,
                "podLabels": {"o": "1"},
            },
            "gateway": {
                "corsOrigins": ["https://a.example.com", "https://b.example.com"],
                "heartbeatSeconds": 25,
                "metricsPort": 9191,
                "podLabels": {"g": "1"},
            },
            "redis": {"persistence": {"storageClass": "fast-ssd"}},
        }
    )
    operator = rendered.one("Deployment", "-operator")["spec"]["template"]
    container = operator["spec"]["containers"][0]
    assert env_of(container)["AUTCLOUD_CHAT_GROUP"]["value"] == "autcloud-team-a"
    assert "--liveness=http://0.0.0.0:8181/healthz" in container["args"]
    assert {"name": "health", "containerPort": 8181, "protocol": "TCP"} in container["ports"]
    assert operator["metadata"]["labels"]["o"] == "1"
    gateway = rendered.one("Deployment", "-gateway")["spec"]["template"]
    args = gateway["spec"]["containers"][0]["args"]
    assert [arg for arg in args if arg.startswith("--cors-origin")] == [
        "--cors-origin=https://a.example.com",
        "--cors-origin=https://b.example.com",
    ]
    assert "--heartbeat=25" in args and "--metrics-listen=0.0.0.0:9191" in args
    assert gateway["metadata"]["labels"]["g"] == "1"
    service_ports = {p["name"]: p for p in rendered.one("Service", "-gateway")["spec"]["ports"]}
    assert service_ports["metrics"]["port"] == 9191
    claim = rendered.one("PersistentVolumeClaim", "-redis")
    assert claim["spec"]["storageClassName"] == "fast-ssd"
    parser, _ = build_parser(args)
    parser.parse_args([arg.replace("$(AUTCLOUD_REDIS_URL)", "redis://r:6379/0") for arg in args])


def test_gateway_redis_url_is_a_variable_the_kubelet_expands() -> None:
    # $(VAR) in args is only expanded when VAR is defined before use in the container's env.
    container = _container("redis-with-password", "-gateway")
    assert "AUTCLOUD_REDIS_URL" in env_of(container)


def test_chart_redis_url_points_at_the_chart_service() -> None:
    rendered = scenario("defaults")
    service = rendered.one("Service", "-redis")
    url = env_of(_container("defaults", "-operator"))["AUTCLOUD_REDIS_URL"]["value"]
    assert url == f"redis://{service['metadata']['name']}.{NAMESPACE}.svc:6379/0"


def test_chart_redis_password_comes_from_its_secret_in_every_pod() -> None:
    # Never inside the URL: the code takes $AUTCLOUD_REDIS_PASSWORD as is (test_containers_start
    # connects with a password full of URL characters).
    for suffix in ("-operator", "-gateway"):
        env = env_of(_container("redis-with-password", suffix))
        assert env["AUTCLOUD_REDIS_PASSWORD"]["valueFrom"] == {
            "secretKeyRef": {"name": "autcloud-redis", "key": "password"}
        }
        assert env["AUTCLOUD_REDIS_URL"]["value"] == (
            f"redis://{RELEASE}-autcloud-redis.{NAMESPACE}.svc:6379/0"
        )
    redis = _container("redis-with-password", "-redis")
    assert redis["args"][-2:] == ["--requirepass", "$(REDIS_PASSWORD)"]
    assert env_of(redis)["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "autcloud-redis"


def test_external_redis_replaces_the_chart_redis() -> None:
    rendered = scenario("external-redis-secret")
    assert [
        obj
        for obj in rendered.objects
        if obj["metadata"]["labels"]["app.kubernetes.io/component"] == "redis"
    ] == []
    env = env_of(_container("external-redis-secret", "-operator"))
    assert env["AUTCLOUD_REDIS_URL"]["valueFrom"] == {
        "secretKeyRef": {"name": "redis-url", "key": "url"}
    }
    plain = env_of(_container("external-redis-url", "-gateway"))
    assert plain["AUTCLOUD_REDIS_URL"]["value"] == "redis://redis.infra:6379/2"


def test_chart_redis_is_reachable_only_from_operator_and_gateway() -> None:
    policy = scenario("defaults").one("NetworkPolicy", "-redis")
    sources = [
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for peer in policy["spec"]["ingress"][0]["from"]
    ]
    assert sources == ["operator", "gateway"]
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "redis"


def test_default_redis_keeps_an_append_only_file_on_a_claim() -> None:
    rendered = scenario("defaults")
    claim = rendered.one("PersistentVolumeClaim", "-redis")
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    pod = rendered.one("Deployment", "-redis")["spec"]["template"]["spec"]
    assert {
        "name": "data",
        "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]},
    } in pod["volumes"]
    args = pod["containers"][0]["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert args[args.index("--appendfsync") + 1] == "everysec"
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    assert (
        scenario("redis-persistent").one("PersistentVolumeClaim", "-redis")["spec"]["resources"][
            "requests"
        ]["storage"]
        == "5Gi"
    )


def test_redis_maxmemory_leaves_headroom_below_the_memory_limit() -> None:
    for name, limit in (("defaults", 256 * 2**20), ("redis-without-persistence", 2**30)):
        container = _container(name, "-redis")
        args = container["args"]
        assert int(args[args.index("--maxmemory") + 1]) == limit * 70 // 100, name


def test_redis_without_persistence_keeps_the_file_on_an_empty_dir() -> None:
    rendered = scenario("redis-without-persistence")
    assert rendered.of_kind("PersistentVolumeClaim") == []
    pod = rendered.one("Deployment", "-redis")["spec"]["template"]["spec"]
    assert {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}} in pod["volumes"]


def test_offline_is_the_default_language_model() -> None:
    container = _container("defaults", "-operator")
    assert "--default-provider=offline" in container["args"]
    assert "OPENAI_API_KEY" not in env_of(container)


def test_openai_default_model_is_flags_and_its_key_comes_from_its_secret() -> None:
    container = _container("openai", "-operator")
    assert {
        "--default-provider=openai",
        "--default-model=qwen2.5-7b-instruct",
        "--default-base-url=http://llm.ai.svc:8000/v1",
    } <= set(container["args"])
    assert env_of(container)["OPENAI_API_KEY"] == {
        "name": "OPENAI_API_KEY",
        "valueFrom": {"secretKeyRef": {"name": "llm-key", "key": "apiKey"}},
    }


def test_tracing_uses_the_opentelemetry_environment_variables() -> None:
    for suffix, service in (("-operator", "autcloud-operator"), ("-gateway", "autcloud-gateway")):
        env = {
            name: var["value"]
            for name, var in env_of(_container("tracing", suffix)).items()
            if "value" in var
        }
        assert env["OTEL_SERVICE_NAME"] == service
        assert env["OTEL_TRACES_EXPORTER"] == "otlp,zipkin"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4318"
        assert (
            env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"] == "http://zipkin.observability:9411/api/v2/spans"
        )
        assert env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
        assert env["OTEL_TRACES_SAMPLER_ARG"] == "0.25"


def test_tracing_is_off_by_default() -> None:
    env = env_of(_container("defaults", "-operator"))
    assert env["OTEL_TRACES_EXPORTER"]["value"] == "none"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env


def test_deep_validation_points_at_the_tools_in_the_image_and_raises_memory() -> None:
    container = _container("deep-validation", "-operator")
    env = env_of(container)
    assert env["AUTCLOUD_VALIDATION_DEEP"]["value"] == "true"
    assert env["AUTCLOUD_TF_PLUGIN_MIRROR"]["value"] == "/opt/tf-plugins"
    assert env["AUTCLOUD_CHECKOV_PYTHON"]["value"] == "/opt/checkov/bin/python"
    assert container["resources"]["limits"]["memory"] == "2Gi"
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}


def test_deep_validation_is_off_by_default() -> None:
    container = _container("defaults", "-operator")
    env = env_of(container)
    assert env["AUTCLOUD_VALIDATION_DEEP"]["value"] == "false"
    assert "AUTCLOUD_TF_PLUGIN_MIRROR" not in env
    assert container["resources"]["limits"]["memory"] == "1Gi"


def test_gateway_token_comes_from_its_secret() -> None:
    env = env_of(_container("gateway-token-auth", "-gateway"))
    assert env["AUTCLOUD_GATEWAY_TOKEN"]["valueFrom"] == {
        "secretKeyRef": {"name": "gateway-token", "key": "token"}
    }


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_secret_value_is_ever_rendered(name: str) -> None:
    rendered = scenario(name)
    assert rendered.of_kind("Secret") == []
    for deployment, pod in rendered.pod_specs():
        for container in pod["containers"]:
            for var in container.get("env", []):
                if SECRETISH.search(var["name"]):
                    assert "secretKeyRef" in var.get("valueFrom", {}), (
                        f"{deployment}: {var['name']}"
                    )
                # A URL never carries a literal password; only a reference the kubelet expands.
                value = var.get("value", "")
                assert not re.search(r"://[^/@\s]*:[^$/@\s][^/@\s]*@", value), (
                    f"{deployment}: {var['name']}"
                )


def test_extra_env_and_scheduling_reach_the_operator_pod() -> None:
    pod = scenario("scheduling").one("Deployment", "-operator")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["tolerations"][0]["key"] == "dedicated"
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert pod["imagePullSecrets"] == [{"name": "ghcr"}]
    assert env_of(pod["containers"][0])["AUTCLOUD_EXTRA"]["value"] == "1"


def test_ingress_routes_to_the_gateway_service() -> None:
    rendered = scenario("ingress")
    ingress = rendered.one("Ingress", "-gateway")
    service = rendered.one("Service", "-gateway")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [
        {"secretName": "autcloud-tls", "hosts": ["autcloud.example.com"]}
    ]
    assert scenario("defaults").of_kind("Ingress") == []


def test_no_gateway_means_no_gateway_objects() -> None:
    rendered = scenario("no-gateway")
    assert [
        obj
        for obj in rendered.objects
        if obj["metadata"]["labels"]["app.kubernetes.io/component"] == "gateway"
    ] == []


def test_pod_disruption_budgets() -> None:
    assert [
        pdb["metadata"]["name"] for pdb in scenario("defaults").of_kind("PodDisruptionBudget")
    ] == [f"{RELEASE}-autcloud-gateway"]
    assert (
        len(scenario("watch-all-namespaces-with-leader-election").of_kind("PodDisruptionBudget"))
        == 2
    )


@pytest.mark.parametrize(
    ("values", "release"),
    [({}, "a" * 53), ({"fullnameOverride": "x" * 45}, RELEASE)],
    ids=["longest-release-name", "longest-fullname-override"],
)
def test_object_names_stay_within_63_characters(values: dict[str, Any], release: str) -> None:
    # 53 is Helm's own limit for release names; Service names must be 63-character DNS labels.
    for obj in render(values, release=release).objects:
        assert len(obj["metadata"]["name"]) <= 63, obj["metadata"]["name"]
