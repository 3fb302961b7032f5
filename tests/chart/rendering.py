"""Render the chart the way `helm template` does, with the Helm SDK (no helm binary, no cluster).

helm-python-sdk binds Helm's own Go library, so rendering, values coalescing and the
values.schema.json check are Helm's, not an imitation. Like `helm template` without
`--include-crds`, rendering leaves out crds/ (Helm installs those separately).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART_DIR = REPO / "charts" / "autcloud"
RELEASE = "ac"
NAMESPACE = "autcloud-system"
NOTES = "autcloud/templates/NOTES.txt"

# Values combinations the tests render: each turns on a different branch of the templates.
SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "no-rbac": {"rbac": {"create": False}},
    "no-service-accounts": {
        "serviceAccount": {"create": False, "operator": {"name": "platform-operator"}}
    },
    "redis-with-password": {
        "redis": {"auth": {"existingSecret": "autcloud-redis", "passwordKey": "password"}}
    },
    "redis-persistent": {"redis": {"persistence": {"enabled": True, "size": "5Gi"}}},
    "redis-without-persistence": {
        "redis": {"persistence": {"enabled": False}, "resources": {"limits": {"memory": "1Gi"}}}
    },
    "external-redis-secret": {"redis": {"enabled": False, "urlSecret": {"name": "redis-url"}}},
    "external-redis-url": {"redis": {"enabled": False, "url": "redis://redis.infra:6379/2"}},
    "external-redis-sentinel": {
        "redis": {
            "enabled": False,
            "url": "rediss+sentinel://sentinel-0.infra:26379,sentinel-1.infra:26379/mymaster/0",
            "auth": {"existingSecret": "redis-password"},
        }
    },
    "ingress": {
        "gateway": {
            "ingress": {
                "enabled": True,
                "className": "nginx",
                "annotations": {"nginx.ingress.kubernetes.io/proxy-buffering": "off"},
                "hosts": [
                    {"host": "autcloud.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]}
                ],
                "tls": [{"secretName": "autcloud-tls", "hosts": ["autcloud.example.com"]}],
            }
        }
    },
    "deep-validation": {"validation": {"deep": {"enabled": True}}},
    "openai": {
        "llm": {
            "provider": "openai",
            "openai": {
                "baseURL": "http://llm.ai.svc:8000/v1",
                "model": "qwen2.5-7b-instruct",
                "apiKeySecret": {"name": "llm-key", "key": "apiKey"},
            },
        }
    },
    "tracing": {
        "tracing": {
            "otlpEndpoint": "http://otel-collector.observability:4318",
            "zipkinEndpoint": "http://zipkin.observability:9411/api/v2/spans",
            "sampleRatio": 0.25,
        }
    },
    "gateway-token-auth": {
        "gateway": {
            "auth": {"mode": "token", "tokenSecret": {"name": "gateway-token"}},
            "logLevel": "DEBUG",
        }
    },
    "no-gateway": {"gateway": {"enabled": False}},
    "watch-namespaces": {
        "operator": {"watchNamespaces": ["team-a", "team-b"]},
        "rbac": {"secretNames": ["github-token", "aws-readonly"]},
    },
    "watch-all-namespaces-with-leader-election": {
        "operator": {
            "watchAllNamespaces": True,
            "replicas": 2,
            "leaderElection": {"enabled": True, "leaseDurationSeconds": 20},
            "selector": "autcloud.io/shard in (a,b)",
            "podDisruptionBudget": {"enabled": True},
        }
    },
    "target-allow-lists": {
        "operator": {
            "logLevel": "ERROR",
            "allowGitHosts": ["github.com", "*.git.example.com", "gitea.internal:3000"],
            "allowProviderHosts": ["llm.ai.svc"],
            "allowInsecureHTTP": True,
        }
    },
    "service-monitor": {
        "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}}
    },
    "network-policies": {
        "networkPolicy": {
            "enabled": True,
            "apiServer": {"cidrs": ["10.96.0.1/32", "172.20.0.0/16"]},
            "metricsFrom": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
                    }
                }
            ],
            "gateway": {
                "ingressFrom": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                        }
                    }
                ]
            },
            "operator": {
                "egressPorts": [],
                "extraEgress": [
                    {
                        "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
                        "ports": [{"port": 443, "protocol": "TCP"}],
                    }
                ],
            },
        },
        "metrics": {"serviceMonitor": {"enabled": True}},
    },
    "network-policies-external-redis-token-auth": {
        "networkPolicy": {"enabled": True},
        "redis": {"enabled": False, "url": "redis://redis.infra:6380/0", "port": 6380},
        "gateway": {"auth": {"mode": "token", "tokenSecret": {"name": "gateway-token"}}},
    },
    "no-user-roles-no-spread": {
        "rbac": {"aggregateToUserRoles": False},
        "gateway": {"topologySpreadConstraints": []},
    },
    "scheduling": {
        "operator": {
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [
                {"key": "dedicated", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}
            ],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "kubernetes.io/arch",
                                        "operator": "In",
                                        "values": ["amd64"],
                                    }
                                ]
                            }
                        ]
                    }
                }
            },
            "priorityClassName": "system-cluster-critical",
            "extraEnv": [{"name": "AUTCLOUD_EXTRA", "value": "1"}],
            "podAnnotations": {"example.com/a": "b"},
        },
        "image": {"digest": "sha256:" + "a" * 64},
        "imagePullSecrets": [{"name": "ghcr"}],
        "commonLabels": {"team": "platform"},
    },
}


@dataclass(frozen=True)
class Rendered:
    """One rendering: the objects (in template order) and the NOTES text."""

    objects: list[dict[str, Any]]
    notes: str

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def one(self, kind: str, name_suffix: str) -> dict[str, Any]:
        found = [obj for obj in self.of_kind(kind) if obj["metadata"]["name"].endswith(name_suffix)]
        assert len(found) == 1, f"expected one {kind} *{name_suffix}, found {len(found)}"
        return found[0]

    def pod_specs(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for obj in self.of_kind("Deployment"):
            yield obj["metadata"]["name"], obj["spec"]["template"]["spec"]


def render(
    values: dict[str, Any] | None = None, namespace: str = NAMESPACE, release: str = RELEASE
) -> Rendered:
    with helm_python.Chart.load(CHART_DIR) as chart:
        manifests = chart.render(values or {}, name=release, namespace=namespace)
    objects = [
        document
        for path, text in sorted(manifests.items())
        if path.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    ]
    return Rendered(objects=objects, notes=manifests.get(NOTES, ""))


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A container's environment by name (the whole EnvVar, so valueFrom stays visible)."""
    return {var["name"]: var for var in container.get("env", [])}


@functools.cache
def scenario(name: str) -> Rendered:
    """The rendering of SCENARIOS[name], rendered once per test run."""
    return render(SCENARIOS[name])
