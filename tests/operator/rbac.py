"""What the chart's RBAC grants a service account, and whether it covers the calls it makes.

The Roles and ClusterRoles come from the chart rendered the way ``helm template`` renders it
(tests/chart/rendering.py), followed through their bindings to the service account, as the
API server's RBAC authorizer follows them: a ClusterRole bound by a ClusterRoleBinding grants
in every namespace and on cluster-scoped resources; a Role (or a ClusterRole bound by a
RoleBinding) grants only in the binding's namespace. The calls are the emulated API server's
record (tests/operator/apiserver.py ``Call``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autcloud.operator.settings import OperatorSettings
from tests.chart.rendering import NAMESPACE, RELEASE, render
from tests.operator.apiserver import Call

OPERATOR_SA = f"{RELEASE}-autcloud-operator"
GATEWAY_SA = f"{RELEASE}-autcloud-gateway"


@dataclass(frozen=True)
class Permission:
    """One verb on one resource (``plural`` or ``plural/subresource``) of a group, where it
    holds: ``namespace`` None means cluster-wide (every namespace and cluster-scoped objects)."""

    verb: str
    group: str
    resource: str
    namespace: str | None
    names: frozenset[str] = frozenset()  # resourceNames; empty: any name

    def allows(self, call: Call) -> bool:
        resource = f"{call.resource}/{call.subresource}" if call.subresource else call.resource
        return (
            self.verb == call.verb
            and self.group == call.group
            and self.resource == resource
            and (self.namespace is None or self.namespace == call.namespace)
            and (not self.names or (call.name is not None and call.name in self.names))
        )


def chart_values(settings: OperatorSettings) -> dict[str, Any]:
    """The chart values that run the operator with these settings (the namespaces it serves,
    its leader election)."""
    operator: dict[str, Any] = (
        {"watchAllNamespaces": True}
        if settings.clusterwide
        else {"watchNamespaces": list(settings.namespaces)}
    )
    election = settings.leader_election
    if election is not None:
        assert election.namespace == NAMESPACE, "the chart's Lease is in the release namespace"
        operator["leaderElection"] = {
            "enabled": True,
            "leaseName": election.lease,
            "leaseDurationSeconds": election.lease_seconds,
        }
    return {"operator": operator}


@functools.cache
def _permissions(values_json: str, service_account: str) -> tuple[Permission, ...]:
    objects = render(json.loads(values_json)).objects
    roles = {
        (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]): obj
        for obj in objects
        if obj["kind"] in ("Role", "ClusterRole")
    }
    found: list[Permission] = []
    for binding in objects:
        if binding["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if not any(
            subject.get("kind") == "ServiceAccount"
            and subject.get("name") == service_account
            and subject.get("namespace") == NAMESPACE
            for subject in binding.get("subjects", [])
        ):
            continue
        ref = binding["roleRef"]
        where = binding["metadata"].get("namespace")  # None for a ClusterRoleBinding
        role = roles.get((ref["kind"], where if ref["kind"] == "Role" else None, ref["name"]))
        assert role is not None, f"{binding['kind']} {binding['metadata']['name']}: no {ref}"
        for rule in role.get("rules", []):
            for group in rule.get("apiGroups", []):
                for resource in rule.get("resources", []):
                    for verb in rule["verbs"]:
                        found.append(
                            Permission(
                                verb,
                                group,
                                resource,
                                where,
                                frozenset(rule.get("resourceNames", [])),
                            )
                        )
    return tuple(found)


def granted(values: Mapping[str, Any], service_account: str) -> tuple[Permission, ...]:
    """Every permission the chart, rendered with ``values``, gives ``service_account``."""
    return _permissions(json.dumps(values, sort_keys=True), service_account)


def not_granted(calls: Iterable[Call], permissions: Iterable[Permission]) -> list[Call]:
    """The calls no permission allows (each once, in the order first made)."""
    allowed = tuple(permissions)
    missing: list[Call] = []
    for call in calls:
        key = _shape(call)
        if not any(p.allows(call) for p in allowed) and key not in map(_shape, missing):
            missing.append(call)
    return missing


def unused(permissions: Iterable[Permission], calls: Iterable[Call]) -> list[Permission]:
    """The permissions no call needed."""
    made = list(calls)
    return [p for p in permissions if not any(p.allows(call) for call in made)]


def _shape(call: Call) -> tuple[str, str, str, str, str | None]:
    return (call.verb, call.group, call.resource, call.subresource, call.namespace)


def describe(call: Call) -> str:
    resource = f"{call.resource}/{call.subresource}" if call.subresource else call.resource
    where = f"namespace {call.namespace}" if call.namespace else "cluster-wide"
    return f"{call.verb} {call.group or 'core'}/{resource} ({where})"
