"""values.schema.json: strict at every level, documented, and Helm enforces it.

Checked twice: with the jsonschema library (draft 7, the draft the schema declares) and through
the Helm SDK, which validates values against the schema on render and lint exactly as `helm
install`/`helm template`/`helm lint` do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import helm_python
import jsonschema  # type: ignore[import-untyped]  # (types-jsonschema is not a dev dependency)
import pytest
import yaml

from tests.chart.rendering import CHART_DIR, RELEASE, SCENARIOS

SCHEMA: dict[str, Any] = json.loads((CHART_DIR / "values.schema.json").read_text())
DEFAULTS: dict[str, Any] = yaml.safe_load((CHART_DIR / "values.yaml").read_text())

# Each is wrong in one way; the message must name the field.
BAD_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "unknown top-level key": ({"replicaCount": 2}, "replicaCount"),
    "unknown nested key": ({"operator": {"watchNamespace": ["a"]}}, "watchNamespace"),
    "misspelt deep key": (
        {"gateway": {"ingress": {"hosts": [{"host": "a.example.com", "path": "/"}]}}},
        "path",
    ),
    "string for integer": ({"operator": {"replicas": "1"}}, "replicas"),
    "string for boolean": ({"rbac": {"create": "yes"}}, "create"),
    "unknown provider": ({"llm": {"provider": "anthropic"}}, "provider"),
    "unknown auth mode": ({"gateway": {"auth": {"mode": "none"}}}, "mode"),
    "bad log level": ({"operator": {"logLevel": "TRACE"}}, "logLevel"),
    "git host as a URL": ({"operator": {"allowGitHosts": ["https://github.com"]}}, "allowGitHosts"),
    "provider host with a path": (
        {"operator": {"allowProviderHosts": ["llm.internal/v1"]}},
        "allowProviderHosts",
    ),
    "local repositories are not a chart value": (
        {"operator": {"allowLocalRepositories": True}},
        "allowLocalRepositories",
    ),
    "bad namespace name": ({"operator": {"watchNamespaces": ["Team_A"]}}, "watchNamespaces"),
    "credentials in the redis url": (
        {"redis": {"enabled": False, "url": "redis://:hunter2@redis:6379/0"}},
        "url",
    ),
    "port out of range": ({"gateway": {"port": 70000}}, "port"),
    "bad quantity": ({"operator": {"resources": {"limits": {"memory": "lots"}}}}, "memory"),
    "unknown resource name": ({"gateway": {"resources": {"limits": {"gpu": 1}}}}, "gpu"),
    "sample ratio above one": ({"tracing": {"sampleRatio": 2}}, "sampleRatio"),
    "openai without model and key": ({"llm": {"provider": "openai"}}, "model"),
    "a provider the operator cannot run": ({"llm": {"provider": "bedrock"}}, "provider"),
    "redis without a memory limit": (
        {"redis": {"resources": {"limits": {"memory": None}}}},
        "memory",
    ),
    "token auth without a secret": ({"gateway": {"auth": {"mode": "token"}}}, "name"),
    "external redis without an address": ({"redis": {"enabled": False}}, "url"),
    "two operators without leader election": ({"operator": {"replicas": 2}}, "leaderElection"),
    "bad digest": ({"image": {"digest": "latest"}}, "digest"),
}


def _merged(values: dict[str, Any]) -> dict[str, Any]:
    with helm_python.Chart.load(CHART_DIR) as chart:
        return chart.merge_values(values)


def _objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield path or "<root>", node
        for key, child in node.items():
            yield from _objects(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _objects(child, f"{path}[{index}]")


def test_schema_is_a_valid_draft7_schema() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_every_object_level_forbids_unknown_keys() -> None:
    open_levels = [
        path for path, node in _objects(SCHEMA) if node.get("additionalProperties") is not False
    ]
    assert open_levels == []


def test_every_key_of_values_yaml_is_in_the_schema_and_the_other_way_round() -> None:
    def keys(values: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> Iterator[str]:
        for key, value in values.items():
            child = schema["properties"].get(key)
            assert child is not None, f"{prefix}{key} is not in values.schema.json"
            if isinstance(value, dict) and child.get("additionalProperties") is False:
                yield from keys(value, child, f"{prefix}{key}.")
            yield prefix + key

    list(keys(DEFAULTS, SCHEMA))
    documented = set(SCHEMA["properties"]) - {"global"}
    assert documented == set(DEFAULTS)


def test_every_key_in_values_yaml_is_commented() -> None:
    # A key is documented by the comment right above it; that comment also covers a block value
    # (resources, ingress hosts) written out beneath it. A key that only groups others needs no
    # comment of its own when its first child has one.
    lines = (CHART_DIR / "values.yaml").read_text().splitlines()
    uncommented = []
    covered_below: int | None = None
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)(- )?[A-Za-z][\w-]*:", line)
        if not match:
            continue
        indent = len(match.group(1))
        if covered_below is not None and indent > covered_below:
            continue
        covered_below = None
        commented = lines[index - 1].strip().startswith("#")
        groups = line.rstrip().endswith(":") and lines[index + 1].strip().startswith("#")
        if commented and line.rstrip().endswith(":"):
            covered_below = indent
        elif not commented and not groups:
            uncommented.append(line.strip())
    assert uncommented == []


def test_the_defaults_pass() -> None:
    jsonschema.validate(_merged({}), SCHEMA)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_tested_combination_passes(name: str) -> None:
    jsonschema.validate(_merged(SCENARIOS[name]), SCHEMA)


@pytest.mark.parametrize("case", BAD_VALUES)
def test_jsonschema_rejects_bad_values_naming_the_field(case: str) -> None:
    values, field = BAD_VALUES[case]
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(_merged(values)))
    assert errors, case
    described = " ".join(
        f"{'/'.join(map(str, error.absolute_path))} {error.message}" for error in errors
    )
    described += " ".join(
        str(sub.absolute_path) + sub.message for error in errors for sub in error.context or []
    )
    assert field in described


@pytest.mark.parametrize("case", BAD_VALUES)
def test_helm_refuses_to_render_bad_values(case: str) -> None:
    values, field = BAD_VALUES[case]
    with (
        helm_python.Chart.load(CHART_DIR) as chart,
        pytest.raises(helm_python.HelmValuesError) as raised,
    ):
        chart.render(values, name=RELEASE, namespace="autcloud")
    assert field in str(raised.value)


def test_helm_lint_passes_the_chart_strictly_on_kubernetes_1_30() -> None:
    report = helm_python.lint(CHART_DIR, {}, strict=True, kube_version="v1.30.0")
    assert report["errors"] == []
    # Severity 1 is information; the only one is Helm's wish for an icon URL.
    assert [message["error"] for message in report["messages"] if message["severity"] > 1] == []


def test_helm_lint_reports_schema_violations() -> None:
    report = helm_python.lint(CHART_DIR, {"operator": {"replicas": "two"}}, strict=True)
    assert any("/operator/replicas" in error for error in report["errors"])


def test_chart_yaml_declares_v2_and_kubernetes_1_30() -> None:
    with helm_python.Chart.load(CHART_DIR) as chart:
        metadata = chart.metadata
    assert metadata["apiVersion"] == "v2"
    assert metadata["kubeVersion"] == ">=1.30.0-0"
    assert metadata["type"] == "application"


def test_the_gateway_message_limit_cannot_exceed_the_crds() -> None:
    from autcloud.events import CONVERSATION_TEXT_MAX_CHARS

    limits = SCHEMA["properties"]["gateway"]["properties"]["limits"]["properties"]
    assert limits["maxMessageChars"]["maximum"] == CONVERSATION_TEXT_MAX_CHARS
    with pytest.raises(jsonschema.ValidationError, match=r"maxMessageChars|2000"):
        jsonschema.validate(
            {"gateway": {"limits": {"maxMessageChars": CONVERSATION_TEXT_MAX_CHARS + 1}}}, SCHEMA
        )
