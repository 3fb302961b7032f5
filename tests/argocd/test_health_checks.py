"""deploy/argocd/argocd-cm.yaml: the Argo CD health checks, run with a real Lua interpreter.

Argo CD runs these scripts with gopher-lua (Lua 5.1) and a global ``obj`` holding the live
object; lupa's Lua 5.1 runtime does the same here. The statuses come from the operator's own
code — the InfraDesign status builder for every outcome, whole reconciles with the offline
design engine for the common ones, the ProjectTag/MonitorTarget conditions — so a change in
what the operator writes is checked against the scripts, not a hand-copied sample.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import lupa.lua51  # type: ignore[import-untyped]
import pytest
import yaml

from autcloud.accounts.conditions import outcome_status
from autcloud.agent.design import run_design
from autcloud.operator.conditions import Condition, merge_conditions
from autcloud.operator.reconcile import (
    NODE_PHASES,
    Dependencies,
    DesignRef,
    _StatusBuilder,
    reconcile,
)
from tests.chart.rendering import REPO
from tests.operator.fakes import RecordingPublisher, Secrets

CONFIG_MAP = REPO / "deploy" / "argocd" / "argocd-cm.yaml"
KEY = "resource.customizations.health.autcloud.io_{kind}"
NOW = "2026-01-01T00:00:00Z"
GENERATION = 3


def _scripts() -> dict[str, str]:
    document = yaml.safe_load(CONFIG_MAP.read_text())
    assert document["kind"] == "ConfigMap" and document["metadata"]["name"] == "argocd-cm"
    data: dict[str, str] = document["data"]
    return data


def health(kind: str, obj: dict[str, Any]) -> tuple[str, str]:
    """(status, message) as Argo CD would show them for ``obj``."""
    lua = lupa.lua51.LuaRuntime(unpack_returned_tuples=True)
    lua.globals().obj = lua.table_from(obj, recursive=True)
    result = lua.execute(_scripts()[KEY.format(kind=kind)])
    return str(result["status"]), str(result["message"] or "")


def design(status: dict[str, Any] | None, **spec: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "InfraDesign",
        "metadata": {"name": "web", "namespace": "shop", "generation": GENERATION},
        "spec": {"request": "A web API in Seoul", **spec},
    }
    if status is not None:
        obj["status"] = status
    return obj


def builder(old: dict[str, Any] | None = None) -> _StatusBuilder:
    return _StatusBuilder(DesignRef("shop", "web", GENERATION), old or {}, lambda: NOW)


def running(phase: str) -> dict[str, Any]:
    """The status patch the handler writes while a run is in ``phase`` (infradesign.py)."""
    conditions = merge_conditions(
        [],
        [
            Condition("Ready", "False", "InProgress", f"A design run is working ({phase})."),
            Condition("Reconciling", "True", phase, f"{phase}."),
        ],
        generation=GENERATION,
        now=NOW,
    )
    return {"phase": phase, "conditions": conditions, "observedGeneration": GENERATION}


def test_the_config_map_has_a_health_check_for_each_kind() -> None:
    crd_kinds = {
        yaml.safe_load(path.read_text())["spec"]["names"]["kind"]
        for path in (REPO / "crds").glob("autcloud.io_*.yaml")
    }
    assert {KEY.format(kind=kind) for kind in crd_kinds} <= set(_scripts())


def test_a_design_without_status_is_progressing() -> None:
    assert health("InfraDesign", design(None))[0] == "Progressing"


def test_a_ready_design_is_healthy_with_the_ready_message() -> None:
    made = builder()
    made.validated()
    status, message = health("InfraDesign", design(made.ready_without_git("digest").status))
    assert status == "Healthy"
    assert "spec.git is not set" in message


@pytest.mark.parametrize("phase", sorted({"Pending", *NODE_PHASES.values(), "Committing"}))
def test_a_design_run_in_any_working_phase_is_progressing(phase: str) -> None:
    status, message = health("InfraDesign", design(running(phase)))
    assert (status, message) == ("Progressing", f"{phase}.")


def test_a_design_waiting_for_answers_is_suspended() -> None:
    made = builder()
    made.status["questions"] = [{"id": "region", "text": "Which region?"}]
    status, message = health("InfraDesign", design(made.needs_input("digest").status))
    assert status == "Suspended"
    assert "region" in message


def test_a_suspended_design_is_suspended_whatever_its_last_phase() -> None:
    made = builder({"phase": "Ready"})
    assert health("InfraDesign", design(made.suspended().status, suspend=True))[0] == "Suspended"


def test_a_refused_request_is_degraded() -> None:
    outcome = builder().refused("The request asks for something AutCloud does not design.", "d")
    status, message = health("InfraDesign", design(outcome.status))
    assert status == "Degraded"
    assert "does not design" in message


def test_a_stalled_design_is_degraded_with_the_reason() -> None:
    outcome = builder().stalled(
        "SecretNotFound", "Secret shop/gh has no key token.", phase="Failed"
    )
    assert health("InfraDesign", design(outcome.status)) == (
        "Degraded",
        "Secret shop/gh has no key token.",
    )


def test_a_design_whose_validation_fails_is_degraded() -> None:
    made = builder()
    made.status["validation"] = {"steps": [{"name": "terraform_validate", "status": "failed"}]}
    status, message = health("InfraDesign", design(made.validation_failed("d").status))
    assert status == "Degraded"
    assert "terraform_validate" in message


def test_a_failed_run_that_will_be_retried_is_degraded_until_it_succeeds() -> None:
    outcome = builder().retrying("GitPushFailed", "The remote hung up.", 30, [])
    assert health("InfraDesign", design(outcome.status))[0] == "Degraded"


def test_a_ready_status_of_an_older_generation_is_progressing() -> None:
    made = builder()
    made.validated()
    status = made.ready_without_git("digest").status
    changed = design(status)
    changed["metadata"]["generation"] = GENERATION + 1
    assert health("InfraDesign", changed) == (
        "Progressing",
        f"The operator has not yet acted on generation {GENERATION + 1}.",
    )


# The whole reconcile, with the real (offline) design engine: what a user sees after a run.


def _reconcile(spec: dict[str, Any]) -> dict[str, Any]:
    dependencies = Dependencies(
        designer=run_design,
        publisher=RecordingPublisher(),  # no spec.git here: nothing is published
        read_secret=Secrets(),
        diagram=False,
    )
    ref = DesignRef("shop", "web", GENERATION)
    status: dict[str, Any] = asyncio.run(reconcile(ref, spec, {}, dependencies)).status
    return status


@pytest.mark.slow
def test_a_design_run_to_the_end_is_healthy() -> None:
    spec = {"request": "A containerised web API with PostgreSQL in Seoul", "assumeDefaults": True}
    status = _reconcile(spec)
    assert status["phase"] == "Ready"
    assert health("InfraDesign", design(status, **spec))[0] == "Healthy"


@pytest.mark.slow
def test_a_design_run_that_asks_questions_is_suspended() -> None:
    spec = {"request": "A web API with PostgreSQL"}
    status = _reconcile(spec)
    assert status["phase"] == "NeedsInput"
    assert health("InfraDesign", design(status, **spec))[0] == "Suspended"


@pytest.mark.slow
def test_a_refused_design_run_is_degraded() -> None:
    spec = {"request": "mine bitcoin on 1000 GPUs"}
    status = _reconcile(spec)
    assert status["phase"] == "Refused"
    assert health("InfraDesign", design(status, **spec))[0] == "Degraded"


# ProjectTag and MonitorTarget: conditions only, written by autcloud.accounts.conditions.
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def scanned(kind: str, status: dict[str, Any] | None, generation: int = GENERATION) -> Any:
    obj: dict[str, Any] = {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "shop", "generation": generation},
        "spec": {},
    }
    if status is not None:
        obj["status"] = status
    return obj


def conditions(*, ready: bool, reason: str, message: str, stalled: bool) -> dict[str, Any]:
    return outcome_status(
        {},
        ready=ready,
        reason=reason,
        message=message,
        stalled=stalled,
        now=WHEN,
        generation=GENERATION,
    )


KINDS = ["ProjectTag", "MonitorTarget"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_scan_not_yet_reported_is_progressing(kind: str) -> None:
    assert health(kind, scanned(kind, None))[0] == "Progressing"
    assert health(kind, scanned(kind, {}))[0] == "Progressing"


@pytest.mark.parametrize("kind", KINDS)
def test_a_successful_scan_is_healthy(kind: str) -> None:
    status = conditions(ready=True, reason="ScanSucceeded", message="3 matched.", stalled=False)
    assert health(kind, scanned(kind, status)) == ("Healthy", "3 matched.")


@pytest.mark.parametrize("kind", KINDS)
def test_a_stalled_scan_is_degraded(kind: str) -> None:
    status = outcome_status(
        {},
        ready=False,
        reason="AccessDenied",
        message="AWS denied tagging 2 resources",
        stalled=True,
        now=WHEN,
        generation=GENERATION,
    )
    assert health(kind, scanned(kind, status)) == ("Degraded", "AWS denied tagging 2 resources")


@pytest.mark.parametrize("kind", KINDS)
def test_a_scan_failing_for_a_while_is_degraded(kind: str) -> None:
    status = outcome_status(
        {},
        ready=False,
        reason="Throttled",
        message="AWS throttled the scan; retrying",
        stalled=False,
        now=WHEN,
        generation=GENERATION,
    )
    assert health(kind, scanned(kind, status)) == ("Degraded", "AWS throttled the scan; retrying")


@pytest.mark.parametrize("kind", KINDS)
def test_a_scan_under_way_is_progressing(kind: str) -> None:
    status = {
        "observedGeneration": GENERATION,
        "conditions": [
            {"type": "Ready", "status": "False", "reason": "Scanning", "message": "Scanning."},
            {"type": "Reconciling", "status": "True", "reason": "Scanning", "message": "Scan."},
        ],
    }
    assert health(kind, scanned(kind, status)) == ("Progressing", "Scan.")


@pytest.mark.parametrize("kind", KINDS)
def test_a_healthy_status_of_an_older_generation_is_progressing(kind: str) -> None:
    status = conditions(ready=True, reason="ScanSucceeded", message="ok", stalled=False)
    assert health(kind, scanned(kind, status, generation=GENERATION + 1))[0] == "Progressing"
