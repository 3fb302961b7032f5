"""deploy/argocd/application.yaml installs this chart with automated, self-healing sync.

No ArgoCD CRD schema is on this machine (kubernetes-validate knows only Kubernetes' own types),
so the test checks the fields that decide what ArgoCD does, and that the chart accepts the
values the Application passes (Helm's own schema check, as ArgoCD's render would run it).
"""

from __future__ import annotations

from typing import Any

import helm_python
import yaml

from tests.chart.rendering import CHART_DIR, REPO

APPLICATION = REPO / "deploy" / "argocd" / "application.yaml"


def _application() -> dict[str, Any]:
    documents = [document for document in yaml.safe_load_all(APPLICATION.read_text()) if document]
    assert len(documents) == 1
    document: dict[str, Any] = documents[0]
    return document


def test_is_an_argocd_application_in_the_argocd_namespace() -> None:
    app = _application()
    assert app["apiVersion"] == "argoproj.io/v1alpha1"
    assert app["kind"] == "Application"
    assert app["metadata"]["namespace"] == "argocd"


def test_points_at_the_chart_folder_of_a_placeholder_repository() -> None:
    source = _application()["spec"]["source"]
    assert source["path"] == "charts/autcloud"
    assert (REPO / source["path"] / "Chart.yaml").is_file()
    assert "example.com" in source["repoURL"]  # a placeholder the user must replace
    assert "placeholder" in APPLICATION.read_text()


def test_syncs_automatically_prunes_heals_and_creates_the_namespace() -> None:
    policy = _application()["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    assert "CreateNamespace=true" in policy["syncOptions"]


def test_deleting_the_application_does_not_cascade_to_the_crds() -> None:
    assert "finalizers" not in _application()["metadata"]


def test_the_chart_accepts_the_values_the_application_passes() -> None:
    app = _application()
    values = app["spec"]["source"]["helm"]["valuesObject"]
    with helm_python.Chart.load(CHART_DIR) as chart:
        chart.validate_schema(chart.merge_values(values))
        rendered = chart.render(
            values,
            name=app["spec"]["source"]["helm"]["releaseName"],
            namespace=app["spec"]["destination"]["namespace"],
        )
    assert rendered
