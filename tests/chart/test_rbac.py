"""RBAC is created only when asked, and grants exactly what the operator and gateway use.

The rules are asserted whole: a verb or resource added to the chart without a reason fails here.
"""

from __future__ import annotations

from typing import Any

from tests.chart.rendering import NAMESPACE, RELEASE, scenario

RBAC_KINDS = {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}
OPERATOR_SA = f"{RELEASE}-autcloud-operator"
GATEWAY_SA = f"{RELEASE}-autcloud-gateway"

CRD_OBSERVATION = {
    "apiGroups": ["apiextensions.k8s.io"],
    "resources": ["customresourcedefinitions"],
    "verbs": ["list", "watch"],
}
NAMESPACE_OBSERVATION = {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list", "watch"]}
# `get` only on InfraDesigns: the chat inbox reads a design before appending to it; kopf
# watches the other two. tests/operator/test_rbac_proven.py proves each verb is used.
DESIGNS = {
    "apiGroups": ["autcloud.io"],
    "resources": ["infradesigns"],
    "verbs": ["get", "list", "watch", "patch"],
}
ACCOUNT_KINDS = {
    "apiGroups": ["autcloud.io"],
    "resources": ["projecttags", "monitortargets"],
    "verbs": ["list", "watch", "patch"],
}
OWN_STATUS = {
    "apiGroups": ["autcloud.io"],
    "resources": ["infradesigns/status", "projecttags/status", "monitortargets/status"],
    "verbs": ["patch"],
}
EVENTS = {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]}
# The archive chunks of conversations past the CRD's 100 entries (written, then read back).
ARCHIVE = {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create"]}
ANY_SECRET = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}
REVIEWS = [
    {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
    {
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["subjectaccessreviews"],
        "verbs": ["create"],
    },
]


def _rbac(name: str) -> list[dict[str, Any]]:
    """The RBAC objects of the chart's own ServiceAccounts (the roles it adds for people to the
    built-in view/edit/admin are tested in test_cluster_citizens.py)."""
    return [
        obj
        for obj in scenario(name).objects
        if obj["kind"] in RBAC_KINDS
        and obj["metadata"]["labels"]["app.kubernetes.io/component"] != "user-roles"
    ]


def _by_kind_and_namespace(name: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]): obj
        for obj in _rbac(name)
    }


def test_default_operator_is_confined_to_the_release_namespace() -> None:
    objects = _by_kind_and_namespace("defaults")
    role = objects[("Role", NAMESPACE, OPERATOR_SA)]
    assert role["rules"] == [DESIGNS, ACCOUNT_KINDS, OWN_STATUS, EVENTS, ARCHIVE, ANY_SECRET]
    cluster_role = objects[("ClusterRole", "", OPERATOR_SA)]
    assert cluster_role["rules"] == [CRD_OBSERVATION, NAMESPACE_OBSERVATION]


def test_default_gateway_may_only_ask_for_reviews() -> None:
    objects = _by_kind_and_namespace("defaults")
    assert objects[("ClusterRole", "", GATEWAY_SA)]["rules"] == REVIEWS


def test_default_rbac_objects_are_exactly_these() -> None:
    assert sorted(_by_kind_and_namespace("defaults")) == sorted(
        [
            ("ClusterRole", "", OPERATOR_SA),
            ("ClusterRoleBinding", "", OPERATOR_SA),
            ("Role", NAMESPACE, OPERATOR_SA),
            ("RoleBinding", NAMESPACE, OPERATOR_SA),
            ("ClusterRole", "", GATEWAY_SA),
            ("ClusterRoleBinding", "", GATEWAY_SA),
        ]
    )


def test_bindings_name_the_right_service_account_and_role() -> None:
    for binding in _rbac("defaults"):
        if not binding["kind"].endswith("Binding"):
            continue
        name = binding["metadata"]["name"]
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": name, "namespace": NAMESPACE}
        ]
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": binding["kind"].removesuffix("Binding"),
            "name": name,
        }


def test_no_rule_anywhere_uses_a_wildcard_or_a_write_verb_beyond_patch_and_create() -> None:
    for name in ("defaults", "watch-all-namespaces-with-leader-election", "watch-namespaces"):
        for obj in _rbac(name):
            for rule in obj.get("rules", []):
                assert "*" not in rule["verbs"] and "*" not in rule["resources"], rule
                assert set(rule["verbs"]) <= {"get", "list", "watch", "patch", "create"}, rule


def test_secrets_are_never_listed_or_watched() -> None:
    for name in ("defaults", "watch-all-namespaces-with-leader-election", "watch-namespaces"):
        for obj in _rbac(name):
            for rule in obj.get("rules", []):
                if "secrets" in rule["resources"]:
                    assert rule["verbs"] == ["get"]


def test_watched_namespaces_each_get_a_role_restricted_to_the_named_secrets() -> None:
    objects = _by_kind_and_namespace("watch-namespaces")
    for namespace in ("team-a", "team-b"):
        role = objects[("Role", namespace, OPERATOR_SA)]
        assert role["rules"] == [
            DESIGNS,
            ACCOUNT_KINDS,
            OWN_STATUS,
            EVENTS,
            ARCHIVE,
            {**ANY_SECRET, "resourceNames": ["github-token", "aws-readonly"]},
        ]
        binding = objects[("RoleBinding", namespace, OPERATOR_SA)]
        # The subject stays in the release namespace, where the operator runs.
        assert binding["subjects"][0]["namespace"] == NAMESPACE
    assert ("Role", NAMESPACE, OPERATOR_SA) not in objects
    assert objects[("ClusterRole", "", OPERATOR_SA)]["rules"] == [
        CRD_OBSERVATION,
        NAMESPACE_OBSERVATION,
    ]


def test_watched_namespaces_are_passed_to_the_operator() -> None:
    args = scenario("watch-namespaces").one("Deployment", "-operator")["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert [arg for arg in args if arg.startswith("--namespace")] == [
        "--namespace=team-a",
        "--namespace=team-b",
    ]


LEASE_RULES = [
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "resourceNames": [f"{OPERATOR_SA}"],
        "verbs": ["get", "patch"],
    },
]


def test_all_namespaces_is_cluster_wide_with_only_the_lease_in_a_role() -> None:
    objects = _by_kind_and_namespace("watch-all-namespaces-with-leader-election")
    assert objects[("ClusterRole", "", OPERATOR_SA)]["rules"] == [
        CRD_OBSERVATION,
        DESIGNS,
        ACCOUNT_KINDS,
        OWN_STATUS,
        EVENTS,
        ARCHIVE,
        ANY_SECRET,
    ]
    roles = [key for key in objects if key[0] in {"Role", "RoleBinding"}]
    lease_role = f"{OPERATOR_SA}-leader-election"
    assert sorted(roles) == [
        ("Role", NAMESPACE, lease_role),
        ("RoleBinding", NAMESPACE, lease_role),
    ]


def test_leader_election_may_create_leases_and_touch_only_its_own() -> None:
    objects = _by_kind_and_namespace("watch-all-namespaces-with-leader-election")
    role = objects[("Role", NAMESPACE, f"{OPERATOR_SA}-leader-election")]
    assert role["rules"] == LEASE_RULES
    binding = objects[("RoleBinding", NAMESPACE, f"{OPERATOR_SA}-leader-election")]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": OPERATOR_SA, "namespace": NAMESPACE}
    ]


def test_without_leader_election_no_lease_rules_are_granted() -> None:
    for obj in _rbac("defaults"):
        for rule in obj.get("rules", []):
            assert "coordination.k8s.io" not in rule["apiGroups"], rule


def test_rbac_create_false_renders_no_rbac() -> None:
    assert _rbac("no-rbac") == []


def test_token_auth_gateway_gets_no_review_rights_and_no_token() -> None:
    rendered = scenario("gateway-token-auth")
    assert ("ClusterRole", "", GATEWAY_SA) not in _by_kind_and_namespace("gateway-token-auth")
    pod = rendered.one("Deployment", "-gateway")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert "--kubernetes-auth" not in pod["containers"][0]["args"]


def test_service_accounts_only_when_asked() -> None:
    created = scenario("defaults").of_kind("ServiceAccount")
    assert sorted(sa["metadata"]["name"] for sa in created) == [GATEWAY_SA, OPERATOR_SA]
    assert scenario("no-service-accounts").of_kind("ServiceAccount") == []


def test_existing_service_accounts_are_used_and_bound() -> None:
    rendered = scenario("no-service-accounts")
    operator = rendered.one("Deployment", "-operator")["spec"]["template"]["spec"]
    gateway = rendered.one("Deployment", "-gateway")["spec"]["template"]["spec"]
    assert operator["serviceAccountName"] == "platform-operator"
    assert gateway["serviceAccountName"] == "default"
    binding = rendered.one("RoleBinding", "-operator")
    assert binding["subjects"][0]["name"] == "platform-operator"
