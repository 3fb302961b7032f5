"""Every rendered object is a valid Kubernetes object, labelled, and its pods run restricted.

Validation is kubernetes-validate's official OpenAPI schemas (strict: an unknown or misspelt
field fails) for Kubernetes 1.30 (the chart's kubeVersion floor) and the newest it knows.
ServiceMonitor is not a Kubernetes type: kubernetes-validate has no schema for it, so its test
checks what a wrong ServiceMonitor would get wrong (the Service and port it points at).
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.chart.rendering import NAMESPACE, RELEASE, SCENARIOS, env_of, scenario

KUBERNETES = ["1.30.0", kubernetes_validate.latest_version()]
NOT_KUBERNETES_TYPES = {"ServiceMonitor"}
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding"}
# Workloads, plus the aggregated user roles and the `helm test` pod (their own components, so
# no Service or Deployment selector ever matches them).
COMPONENTS = {"operator", "gateway", "redis", "user-roles", "test"}


@pytest.mark.parametrize("kubernetes", KUBERNETES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_object_validates_strictly(name: str, kubernetes: str) -> None:
    for obj in scenario(name).objects:
        if obj["kind"] in NOT_KUBERNETES_TYPES:
            continue
        kubernetes_validate.validate(obj, kubernetes, strict=True)


def test_kubernetes_validate_would_catch_a_misspelt_field() -> None:
    deployment = scenario("defaults").one("Deployment", "-operator")
    broken: dict[str, Any] = {**deployment, "spec": {**deployment["spec"], "replica": 1}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES[0], strict=True)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_object_carries_the_recommended_labels(name: str) -> None:
    for obj in scenario(name).objects:
        labels = obj["metadata"]["labels"]
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        assert labels["app.kubernetes.io/name"] == "autcloud", where
        assert labels["app.kubernetes.io/instance"] == RELEASE, where
        assert labels["app.kubernetes.io/component"] in COMPONENTS, where
        assert labels["app.kubernetes.io/part-of"] == "autcloud", where
        assert labels["app.kubernetes.io/managed-by"] == "Helm", where
        assert labels["app.kubernetes.io/version"] == "0.1.0", where


@pytest.mark.parametrize("name", SCENARIOS)
def test_namespaced_objects_name_their_namespace(name: str) -> None:
    for obj in scenario(name).objects:
        if obj["kind"] in CLUSTER_SCOPED:
            assert "namespace" not in obj["metadata"]
        else:
            assert obj["metadata"]["namespace"], obj["metadata"]["name"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_deployments_select_their_own_pods_and_services_find_them(name: str) -> None:
    rendered = scenario(name)
    pod_labels = []
    for deployment in rendered.of_kind("Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()
        assert set(selector) == {
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/component",
        }
        pod_labels.append(labels)
    for service in rendered.of_kind("Service"):
        matches = [
            labels for labels in pod_labels if service["spec"]["selector"].items() <= labels.items()
        ]
        assert len(matches) == 1, service["metadata"]["name"]


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_pod_meets_the_restricted_pod_security_standard(name: str) -> None:
    for deployment, pod in scenario(name).pod_specs():
        assert pod["securityContext"]["runAsNonRoot"] is True, deployment
        assert pod["securityContext"]["runAsUser"] > 0, deployment
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, deployment
        assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")
        for container in _containers(pod):
            context = container["securityContext"]
            assert context == {
                "runAsNonRoot": True,
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"},
            }, f"{deployment}/{container['name']}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_read_only_root_still_has_a_writable_tmp(name: str) -> None:
    for deployment, pod in scenario(name).pod_specs():
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        for container in pod["containers"]:
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "/tmp" in mounts, deployment
            assert "emptyDir" in volumes[mounts["/tmp"]], deployment


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_container_has_resources_and_probes(name: str) -> None:
    for deployment, pod in scenario(name).pod_specs():
        for container in pod["containers"]:
            where = f"{deployment}/{container['name']}"
            assert container["resources"]["requests"]["memory"], where
            assert container["resources"]["requests"]["cpu"], where
            assert container["resources"]["limits"]["memory"], where
            assert "livenessProbe" in container and "readinessProbe" in container, where


def test_operator_cache_lives_on_a_volume_the_git_sink_and_terraform_can_write() -> None:
    pod = scenario("defaults").one("Deployment", "-operator")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    env = env_of(container)
    assert env["AUTCLOUD_CACHE_DIR"]["value"] == "/var/cache/autcloud"
    assert (
        env["XDG_CACHE_HOME"]["value"] == "/var/cache"
    )  # the git sink's default: $XDG_CACHE_HOME/autcloud/git
    assert mounts["/var/cache/autcloud"] == "cache"
    assert env["HOME"]["value"] == "/tmp"


def test_image_defaults_to_the_chart_app_version() -> None:
    for _, pod in scenario("defaults").pod_specs():
        for container in pod["containers"]:
            if container["name"] != "redis":
                assert container["image"] == "ghcr.io/autcloud/autcloud:0.1.0"


def test_a_digest_pins_the_image() -> None:
    for _, pod in scenario("scheduling").pod_specs():
        for container in pod["containers"]:
            if container["name"] != "redis":
                assert container["image"] == "ghcr.io/autcloud/autcloud@sha256:" + "a" * 64


def test_service_monitors_scrape_a_port_their_service_has() -> None:
    rendered = scenario("service-monitor")
    monitors = rendered.of_kind("ServiceMonitor")
    assert sorted(monitor["metadata"]["name"] for monitor in monitors) == [
        f"{RELEASE}-autcloud-gateway",
        f"{RELEASE}-autcloud-operator",
    ]
    for monitor in monitors:
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["metadata"]["labels"]["release"] == "prom"
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
        services = [
            service
            for service in rendered.of_kind("Service")
            if monitor["spec"]["selector"]["matchLabels"].items()
            <= service["metadata"]["labels"].items()
        ]
        assert len(services) == 1
        port_names = {port["name"] for port in services[0]["spec"]["ports"]}
        assert monitor["spec"]["endpoints"][0]["port"] in port_names
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_no_service_monitor_unless_asked() -> None:
    assert scenario("defaults").of_kind("ServiceMonitor") == []
