"""Status is written through the status subresource and holds to its schema too.

The operator's status writes go through ``update_status``: a full status of each kind is
accepted, and a malformed one is rejected naming the status field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.crds import samples
from tests.crds.apiserver import Invalid
from tests.crds.edits import Edit, edited, setting
from tests.crds.manifests import api_for

Sample = Callable[[], dict[str, Any]]
OBJECTS: dict[str, tuple[Sample, Sample]] = {
    "InfraDesign": (samples.infradesign, samples.infradesign_status),
    "ProjectTag": (samples.projecttag, samples.projecttag_status),
    "MonitorTarget": (samples.monitortarget, samples.monitortarget_status),
}


def _stored(kind: str) -> dict[str, Any]:
    return api_for(kind).create(OBJECTS[kind][0]()).object


@pytest.mark.parametrize("kind", OBJECTS)
def test_a_full_status_is_accepted(kind: str) -> None:
    status = OBJECTS[kind][1]()
    stored = api_for(kind).update_status(_stored(kind), status)
    assert stored.object["status"] == status
    assert stored.warnings == []


REJECTED = [
    ("InfraDesign", setting("phase", "Done"), "status.phase", 'Unsupported value: "Done"'),
    (
        "InfraDesign",
        setting("conditions[0].status", "Yes"),
        "status.conditions[0].status",
        "Unsupported value",
    ),
    (
        "InfraDesign",
        setting("conditions[0].reason", "awaiting answers"),
        "status.conditions[0].reason",
        "should match",
    ),
    (
        "InfraDesign",
        setting("conditions[0].lastTransitionTime", "yesterday"),
        "status.conditions[0].lastTransitionTime",
        "must be of type date-time",
    ),
    (
        "InfraDesign",
        setting("conditions[1].type", "Ready"),
        "status.conditions[1]",
        "Duplicate value",
    ),
    (
        "InfraDesign",
        setting("validation.pillars[0].score", 101),
        "status.validation.pillars[0].score",
        "less than or equal to 100",
    ),
    (
        "InfraDesign",
        setting("validation.pillars[0].pillar", "Cost"),
        "status.validation.pillars[0].pillar",
        "Unsupported value",
    ),
    (
        "InfraDesign",
        setting("validation.steps[0].status", "ok"),
        "status.validation.steps[0].status",
        "Unsupported value",
    ),
    ("InfraDesign", setting("cost.asOf", "15/01/2025"), "status.cost.asOf", "must be of type date"),
    ("InfraDesign", setting("git.commitSHA", "HEAD"), "status.git.commitSHA", "should match"),
    (
        "ProjectTag",
        setting("untagged", [{"arn": "arn:aws:s3:::b"}] * 101),
        "status.untagged",
        "Too many: 101",
    ),
    (
        "ProjectTag",
        setting("counts.untagged", -1),
        "status.counts.untagged",
        "greater than or equal to 0",
    ),
    (
        "ProjectTag",
        setting("plannedChanges[0].add.Project", 7),
        "status.plannedChanges[0].add[Project]",
        "must be of type string",
    ),
    (
        "MonitorTarget",
        setting("insights[0].kind", "Spooky"),
        "status.insights[0].kind",
        "Unsupported value",
    ),
    (
        "MonitorTarget",
        setting("readings[0].timestamp", "now"),
        "status.readings[0].timestamp",
        "date-time",
    ),
]


@pytest.mark.parametrize(
    ("kind", "edit", "path", "says"), REJECTED, ids=[case[2] for case in REJECTED]
)
def test_malformed_status_is_rejected_naming_the_field(
    kind: str, edit: Edit, path: str, says: str
) -> None:
    status = edited(OBJECTS[kind][1](), edit)
    with pytest.raises(Invalid) as rejection:
        api_for(kind).update_status(_stored(kind), status)
    assert any(error.path == path and says in str(error) for error in rejection.value.errors), str(
        rejection.value
    )


def test_a_status_update_cannot_change_the_spec() -> None:
    stored = _stored("ProjectTag")
    updated = api_for("ProjectTag").update_status(stored, samples.projecttag_status())
    assert updated.object["spec"] == stored["spec"]
