"""The chart as a good cluster citizen: user roles by aggregation, NetworkPolicies, topology
spread for the gateway and a `helm test` pod that checks the gateway's readiness.

Every object here is also validated strictly by test_manifests.py (the scenarios include
network-policies and no-user-roles-no-spread). The hook pod's command runs for real against a
real gateway (with a real redis-server) on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.chart.rendering import CHART_DIR, NAMESPACE, RELEASE, render, scenario
from tests.gateway.harness import TOKEN, RedisServer, free_port, python_command
from tests.tooling import require_tool

FULLNAME = f"{RELEASE}-autcloud"
KINDS = ["infradesigns", "projecttags", "monitortargets"]
AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-"


def _user_roles(name: str) -> dict[str, dict[str, Any]]:
    return {
        obj["metadata"]["name"]: obj
        for obj in scenario(name).of_kind("ClusterRole")
        if obj["metadata"]["labels"]["app.kubernetes.io/component"] == "user-roles"
    }


def _aggregated_into(role: dict[str, Any]) -> set[str]:
    labels = role["metadata"]["labels"]
    return {
        key.removeprefix(AGGREGATE)
        for key, value in labels.items()
        if key.startswith(AGGREGATE) and value == "true"
    }


def test_viewers_may_read_the_three_kinds_and_nothing_more() -> None:
    view = _user_roles("defaults")[f"{FULLNAME}-view"]
    assert _aggregated_into(view) == {"view", "edit", "admin"}
    assert view["rules"] == [
        {
            "apiGroups": ["autcloud.io"],
            "resources": [*KINDS, *(f"{kind}/status" for kind in KINDS)],
            "verbs": ["get", "list", "watch"],
        }
    ]


def test_editors_may_change_and_chat_with_designs_but_never_write_status() -> None:
    edit = _user_roles("defaults")[f"{FULLNAME}-edit"]
    assert _aggregated_into(edit) == {"edit", "admin"}
    assert edit["rules"] == [
        {
            "apiGroups": ["autcloud.io"],
            "resources": KINDS,
            "verbs": ["create", "update", "patch", "delete", "deletecollection"],
        }
    ]


def test_user_roles_bind_nobody_themselves() -> None:
    for binding in scenario("defaults").of_kind("ClusterRoleBinding"):
        assert not binding["roleRef"]["name"].endswith(("-view", "-edit"))


def test_user_roles_can_be_left_out_and_need_rbac_create() -> None:
    assert _user_roles("no-user-roles-no-spread") == {}
    assert _user_roles("no-rbac") == {}


# --- NetworkPolicies ---------------------------------------------------------------------------


def _policy(name: str, component: str) -> dict[str, Any]:
    spec: dict[str, Any] = scenario(name).one("NetworkPolicy", f"-{component}")["spec"]
    return spec


def _ports(rule: dict[str, Any]) -> set[Any]:
    return {port["port"] for port in rule.get("ports", [])}


def test_no_policy_for_operator_or_gateway_unless_asked() -> None:
    names = {obj["metadata"]["name"] for obj in scenario("defaults").of_kind("NetworkPolicy")}
    assert names == {f"{FULLNAME}-redis"}


def test_gateway_accepts_callers_only_on_its_http_port_and_scrapes_on_metrics() -> None:
    policy = _policy("network-policies", "gateway")
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "gateway"
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    callers, scrapers = policy["ingress"]
    assert _ports(callers) == {"http"}
    ingress_controller, helm_test = callers["from"]
    assert ingress_controller["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    test_pod = scenario("network-policies").one("Pod", "-gateway-test")["metadata"]["labels"]
    assert helm_test["podSelector"]["matchLabels"].items() <= test_pod.items()
    assert _ports(scrapers) == {"metrics"}
    assert "monitoring" in str(scrapers["from"])


def test_gateway_reaches_only_dns_redis_and_the_api_server() -> None:
    dns, redis, api = _policy("network-policies", "gateway")["egress"]
    assert _ports(dns) == {53}
    assert {port["protocol"] for port in dns["ports"]} == {"UDP", "TCP"}
    assert dns["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert _ports(redis) == {6379}
    assert redis["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "redis"
    assert _ports(api) == {443, 6443}
    assert [peer["ipBlock"]["cidr"] for peer in api["to"]] == ["10.96.0.1/32", "172.20.0.0/16"]


def test_operator_egress_adds_its_own_rules_and_drops_open_ports_when_emptied() -> None:
    egress = _policy("network-policies", "operator")["egress"]
    assert [_ports(rule) for rule in egress] == [{53}, {6379}, {443, 6443}, {443}]
    assert egress[-1]["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]


def test_operator_by_default_reaches_https_and_ssh_anywhere_and_serves_probes_and_metrics() -> None:
    policy = _policy("network-policies-external-redis-token-auth", "operator")
    assert [_ports(rule) for rule in policy["ingress"]] == [{"health"}, {"metrics"}]
    _dns, _redis, api, open_ports = policy["egress"]
    assert "to" not in open_ports and _ports(open_ports) == {443, 22}
    assert "to" not in api  # no apiServer.cidrs: any address, on the API ports only


def test_with_external_redis_the_policy_allows_its_port_at_any_address() -> None:
    egress = _policy("network-policies-external-redis-token-auth", "gateway")["egress"]
    redis = egress[1]
    assert _ports(redis) == {6380} and "to" not in redis


def test_a_token_auth_gateway_never_reaches_the_api_server() -> None:
    egress = _policy("network-policies-external-redis-token-auth", "gateway")["egress"]
    assert [_ports(rule) for rule in egress] == [{53}, {6380}]


def test_dns_labels_and_extra_gateway_egress_are_taken_from_values() -> None:
    extra = {"to": [{"ipBlock": {"cidr": "10.9.0.0/16"}}], "ports": [{"port": 4318}]}
    rendered = render(
        {
            "networkPolicy": {
                "enabled": True,
                "dnsPodLabels": {"k8s-app": "coredns"},
                "gateway": {"extraEgress": [extra]},
            }
        }
    )
    egress = rendered.one("NetworkPolicy", "-gateway")["spec"]["egress"]
    assert egress[0]["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "coredns"}
    assert egress[-1] == extra
    operator = rendered.one("NetworkPolicy", "-operator")["spec"]["egress"]
    assert extra not in operator


def test_no_gateway_policy_without_a_gateway() -> None:
    rendered = render({"networkPolicy": {"enabled": True}, "gateway": {"enabled": False}})
    names = {obj["metadata"]["name"] for obj in rendered.of_kind("NetworkPolicy")}
    assert names == {f"{FULLNAME}-operator", f"{FULLNAME}-redis"}


# --- Topology spread -----------------------------------------------------------------------------


def test_gateway_pods_spread_over_zones_and_nodes_by_default() -> None:
    pod = scenario("defaults").one("Deployment", "-gateway")["spec"]["template"]["spec"]
    selector = {
        "app.kubernetes.io/name": "autcloud",
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": "gateway",
    }
    assert pod["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def test_a_constraint_with_its_own_selector_keeps_it_and_an_empty_list_spreads_nothing() -> None:
    own = {"matchLabels": {"app": "other"}}
    constraint = {
        "maxSkew": 2,
        "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": own,
    }
    rendered = render({"gateway": {"topologySpreadConstraints": [constraint]}})
    pod = rendered.one("Deployment", "-gateway")["spec"]["template"]["spec"]
    assert pod["topologySpreadConstraints"] == [constraint]
    pod = scenario("no-user-roles-no-spread").one("Deployment", "-gateway")["spec"]["template"]
    assert "topologySpreadConstraints" not in pod["spec"]


# --- helm test --------------------------------------------------------------------------------


def _test_pod(name: str = "defaults") -> dict[str, Any]:
    return scenario(name).one("Pod", "-gateway-test")


def test_the_helm_test_hook_is_a_restricted_pod_that_asks_the_gateway_service() -> None:
    pod = _test_pod()
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert (
        container["image"]
        == scenario("defaults").one("Deployment", "-gateway")["spec"]["template"]["spec"][
            "containers"
        ][0]["image"]
    )
    assert container["args"][1] == f"http://{FULLNAME}-gateway.{NAMESPACE}.svc:8080/readyz"


def test_no_helm_test_without_a_gateway() -> None:
    assert scenario("no-gateway").of_kind("Pod") == []


def test_the_notes_tell_to_run_helm_test_when_there_is_a_gateway() -> None:
    assert f"helm test {RELEASE} -n {NAMESPACE}" in scenario("defaults").notes
    assert "helm test" not in scenario("no-gateway").notes


def _run_hook(url: str, attempts: str = "1") -> subprocess.CompletedProcess[str]:
    """The hook container's command line, with the Service URL replaced by a local one."""
    container = _test_pod()["spec"]["containers"][0]
    assert container["command"][0] == "python"
    script, _, _ = container["args"]
    return subprocess.run(
        [sys.executable, *container["command"][1:], script, url, attempts],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_the_hook_passes_against_a_ready_gateway_and_fails_against_none(redis_url: str) -> None:
    port = free_port()
    gateway = subprocess.Popen(
        python_command(
            "gateway", "--redis-url", redis_url, "--listen", f"127.0.0.1:{port}", "--token", TOKEN
        ),
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
        passed = _run_hook(f"http://127.0.0.1:{port}/readyz")
        assert passed.returncode == 0, passed.stderr
        assert '"ready"' in passed.stdout
    finally:
        gateway.terminate()
        gateway.wait(10)
    failed = _run_hook(f"http://127.0.0.1:{port}/readyz", attempts="2")
    assert failed.returncode == 1
    assert "is not ready" in failed.stderr


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = RedisServer(require_tool("redis-server", "the hook test runs a real gateway"))
    server.start()
    yield server.url
    server.stop()


# --- CRDs survive an uninstall -----------------------------------------------------------------


def test_every_crd_is_kept_when_the_release_is_uninstalled_or_pruned() -> None:
    # Helm installs crds/ once and never deletes it. Argo CD, which renders crds/ with the
    # templates, reads `keep` as Delete=false (kept when the Application is deleted) but still
    # prunes a CRD that leaves the manifests unless it says Prune=false.
    crds = sorted((CHART_DIR / "crds").glob("*.yaml"))
    assert len(crds) == 3
    for path in crds:
        annotations = yaml.safe_load(path.read_text())["metadata"]["annotations"]
        assert annotations["helm.sh/resource-policy"] == "keep", path.name
        assert annotations["argocd.argoproj.io/sync-options"] == "Prune=false", path.name
