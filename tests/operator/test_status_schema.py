"""What the operator writes fits the CRD: every status it produces passes the CRD's schema
(the offline apiserver stand-in of tests/crds), and so do its demo manifests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from autcloud.agent.design import DesignResult, run_design
from autcloud.gitsink import GitSinkError
from autcloud.operator.reconcile import Dependencies, DesignRef, reconcile
from tests.crds.manifests import api_for
from tests.operator.fakes import CannedDesigner, RecordingPublisher, Secrets

DEMOS = sorted((Path(__file__).resolve().parents[2] / "operator" / "demo").glob("*.yaml"))
WEB_API = "A containerised web API with PostgreSQL in Seoul"
OBJECT = {
    "apiVersion": "autcloud.io/v1alpha1",
    "kind": "InfraDesign",
    "metadata": {"name": "web", "namespace": "shop"},
}


def merged(status: dict[str, Any]) -> dict[str, Any]:
    """A merge patch applied to an empty status (``None`` removes a field)."""
    result: dict[str, Any] = {}
    for key, value in status.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v is not None}
        if value is not None:
            result[key] = value
    return result


@pytest.fixture(scope="module")
def designed() -> DesignResult:
    return asyncio.run(run_design(WEB_API))


def outcome_status(
    designer: Any, spec: dict[str, Any], publisher: Any = None, secrets: Secrets | None = None
) -> dict[str, Any]:
    secrets = secrets or Secrets()
    deps = Dependencies(
        designer=designer,
        publisher=publisher or RecordingPublisher(),
        read_secret=secrets,
        read_labeled_secret=secrets.labeled,
        diagram=False,
    )
    outcome = asyncio.run(reconcile(DesignRef("shop", "web", 1), spec, {}, deps))
    return merged(outcome.status)


@pytest.mark.parametrize(
    "case",
    [
        "ready",
        "committed",
        "needs_input",
        "refused",
        "git_failed",
        "secret_missing",
        "secret_not_labeled",
        "target_refused",
        "invalid",
        "asks_not_honored",
    ],
)
def test_every_status_the_operator_writes_passes_the_crd_schema(
    case: str, designed: DesignResult
) -> None:
    git: dict[str, Any] = {"repository": "acme/infra"}
    spec: dict[str, Any] = {"request": WEB_API}
    designer: Any = CannedDesigner(designed)
    publisher: Any = None
    secrets: Secrets | None = None
    if case == "committed":
        spec = {**spec, "git": git}
    elif case == "needs_input":
        spec, designer = {"request": "A web API with PostgreSQL"}, run_design
    elif case == "refused":
        spec, designer = {"request": "mine bitcoin on 1000 GPUs"}, run_design
    elif case == "git_failed":
        spec = {**spec, "git": git}
        publisher = RecordingPublisher(GitSinkError("ServerError", "HTTP 502", retryable=True))
    elif case == "secret_missing":
        spec = {**spec, "git": {**git, "secretRef": {"name": "gh"}}}
    elif case == "secret_not_labeled":
        spec = {**spec, "git": {**git, "secretRef": {"name": "gh"}}}
        secrets = Secrets({("shop", "gh"): {"token": "t0ken-value"}})
    elif case == "target_refused":
        spec = {**spec, "git": {"repository": "file:///srv/git/infra.git"}}
    elif case == "asks_not_honored":
        spec = {"request": WEB_API + ", a SageMaker endpoint and Neptune, internal only"}
        designer = run_design
    elif case == "invalid":
        spec = {**spec, "provider": {"name": "bedrock", "model": "m"}}
    status = outcome_status(designer, spec, publisher, secrets)
    api = api_for("InfraDesign")
    stored = api.create({**OBJECT, "spec": spec}).object

    result = api.update_status(stored, status)

    assert result.object["status"] == status  # nothing pruned: every field is in the schema


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.name)
def test_the_demo_manifests_pass_the_crd_schema(path: Path) -> None:
    api_for("InfraDesign").create(yaml.safe_load(path.read_text(encoding="utf-8")))
