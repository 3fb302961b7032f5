"""The CRD manifests are what kube-apiserver (1.30 and later) accepts, and what users expect.

No apiserver runs here: the manifests are checked against the official apiextensions.k8s.io/v1
schema (kubernetes-validate, strict: unknown fields fail), parsed by kubectl, and put through
the apiserver's own CRD rules (tests/crds/structural.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.crds import structural
from tests.crds.manifests import CRD_DIR, crds, load_documents
from tests.tooling import require_tool

KINDS = ["InfraDesign", "ProjectTag", "MonitorTarget"]
SHORT_NAMES = {"InfraDesign": "idesign", "ProjectTag": "ptag", "MonitorTarget": "mtarget"}


def _version(kind: str) -> dict[str, Any]:
    versions: list[dict[str, Any]] = crds()[kind]["spec"]["versions"]
    assert len(versions) == 1
    return versions[0]


def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = _version(kind)["schema"]["openAPIV3Schema"]
    return schema


def test_every_kind_has_one_crd_file() -> None:
    files = sorted(path.name for path in CRD_DIR.glob("*.yaml"))
    assert files == [
        "autcloud.io_infradesigns.yaml",
        "autcloud.io_monitortargets.yaml",
        "autcloud.io_projecttags.yaml",
    ]
    assert sorted(crds()) == sorted(KINDS)


@pytest.mark.parametrize("kubernetes", ["1.30.0", kubernetes_validate.latest_version()])
@pytest.mark.parametrize("path", sorted(CRD_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_crd_is_a_valid_apiextensions_v1_object(path: Path, kubernetes: str) -> None:
    for document in load_documents(path):
        kubernetes_validate.validate(document, kubernetes, strict=True)


def test_kubectl_parses_the_crds_as_kubernetes_objects(tmp_path: Path) -> None:
    kubectl = require_tool("kubectl", "parses the CRD manifests")
    # kubectl's apply/create need a server even with --dry-run=client; kustomize does not.
    for path in CRD_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    resources = sorted(path.name for path in CRD_DIR.glob("*.yaml"))
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({"resources": resources}))
    result = subprocess.run(
        [kubectl, "kustomize", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    names = sorted(document["metadata"]["name"] for document in yaml.safe_load_all(result.stdout))
    assert names == sorted(crds()[kind]["metadata"]["name"] for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_names_group_and_scope(kind: str) -> None:
    crd = crds()[kind]
    names = crd["spec"]["names"]
    assert crd["spec"]["group"] == "autcloud.io"
    assert crd["metadata"]["name"] == f"{names['plural']}.autcloud.io"
    assert names["plural"] == kind.lower() + "s"
    assert names["singular"] == kind.lower()
    assert names["listKind"] == kind + "List"
    assert SHORT_NAMES[kind] in names["shortNames"]
    assert names["categories"] == ["autcloud"]
    assert crd["spec"]["scope"] == "Namespaced"


@pytest.mark.parametrize("kind", KINDS)
def test_crd_is_labelled_as_part_of_autcloud(kind: str) -> None:
    assert crds()[kind]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "autcloud"


@pytest.mark.parametrize("kind", KINDS)
def test_v1alpha1_is_served_and_stored_with_a_status_subresource(kind: str) -> None:
    version = _version(kind)
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_structural(kind: str) -> None:
    assert structural.structural_problems(_schema(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_defaults_validate_and_survive_pruning(kind: str) -> None:
    assert structural.default_problems(_schema(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_list_map_and_free_string_is_bounded(kind: str) -> None:
    assert structural.unbounded_fields(_schema(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_cel_rules_compile_and_point_inside_the_schema(kind: str) -> None:
    assert structural.rule_problems(_schema(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_printer_columns_name_fields_of_the_schema(kind: str) -> None:
    assert structural.printer_column_problems(_version(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_printer_columns_show_ready_and_age(kind: str) -> None:
    columns = {
        column["name"]: column["jsonPath"] for column in _version(kind)["additionalPrinterColumns"]
    }
    assert columns["Ready"] == '.status.conditions[?(@.type=="Ready")].status'
    assert columns["Age"] == ".metadata.creationTimestamp"


@pytest.mark.parametrize("kind", KINDS)
def test_conditions_follow_the_kubernetes_condition_schema(kind: str) -> None:
    conditions = _schema(kind)["properties"]["status"]["properties"]["conditions"]
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    item = conditions["items"]
    assert set(item["required"]) == {"type", "status", "reason", "message", "lastTransitionTime"}
    assert item["properties"]["status"]["enum"] == ["True", "False", "Unknown"]
    assert item["properties"]["lastTransitionTime"]["format"] == "date-time"


@pytest.mark.parametrize("kind", KINDS)
def test_every_spec_field_is_described_for_kubectl_explain(kind: str) -> None:
    spec = _schema(kind)["properties"]["spec"]["properties"]
    assert [name for name, field in spec.items() if not field.get("description")] == []


def test_status_is_free_form_nowhere() -> None:
    preserved = [
        f"{kind}{path}"
        for kind in KINDS
        for path, node in structural.nodes(_schema(kind))
        if node.get("x-kubernetes-preserve-unknown-fields")
    ]
    assert preserved == []


# The checks above must be able to fail: each one finds the fault planted here.


def test_structural_check_finds_a_node_without_type() -> None:
    schema = {"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}
    assert structural.structural_problems(schema) == [".spec: type must not be empty"]


def test_printer_column_check_finds_a_path_outside_the_schema() -> None:
    version = {
        "schema": {"openAPIV3Schema": _schema("ProjectTag")},
        "additionalPrinterColumns": [
            {"name": "Typo", "type": "integer", "jsonPath": ".status.counts.untaged"},
            {"name": "Wrong", "type": "integer", "jsonPath": ".spec.mode"},
            {
                "name": "Filter",
                "type": "string",
                "jsonPath": '.status.conditions[?(@.kind=="Ready")].status',
            },
        ],
    }
    assert structural.printer_column_problems(version) == [
        "column Typo: .status.counts.untaged names no field of the schema",
        "column Wrong: type integer does not fit .spec.mode",
        """column Filter: .status.conditions[?(@.kind=="Ready")].status names no field of the schema""",
    ]


def test_rule_check_finds_an_uncompilable_rule_and_a_stray_field_path() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.a >", "message": "broken"},
            {"rule": "has(self.a)", "message": "stray", "fieldPath": ".b"},
        ],
        "properties": {"a": {"type": "string", "maxLength": 3}},
    }
    problems = structural.rule_problems(schema)
    assert len(problems) == 2
    assert "compilation failed" in problems[0]
    assert "fieldPath '.b' is not in the schema" in problems[1]


def test_bounds_check_finds_an_unbounded_list() -> None:
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string", "enum": ["a"]}}},
    }
    assert structural.unbounded_fields(schema) == [".tags: a list without maxItems"]


def test_rule_check_finds_a_misspelt_field() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-validations": [{"rule": "self.nmae.startsWith('a')", "message": "typo"}],
        "properties": {"name": {"type": "string", "maxLength": 3}},
    }
    assert structural.rule_problems(schema) == [
        "<root>: rule \"self.nmae.startsWith('a')\": self.nmae is not a field of the schema"
    ]
