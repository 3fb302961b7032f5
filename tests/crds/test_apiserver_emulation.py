"""The stand-in apiserver does what kube-apiserver does on write, beyond accept/reject.

These pin the behaviours the other tests rely on: status handling, pruning with warnings,
defaulting, the type-error gate before CEL rules, schema-typed CEL values and transition rules.
"""

from __future__ import annotations

import pytest

from tests.crds import samples
from tests.crds.apiserver import Invalid
from tests.crds.edits import edited, removing, setting
from tests.crds.manifests import api_for


def test_create_drops_status_because_only_the_status_subresource_writes_it() -> None:
    design = samples.infradesign() | {"status": {"phase": "Ready"}}
    assert "status" not in api_for("InfraDesign").create(design).object


def test_unknown_fields_are_pruned_with_a_warning_not_rejected() -> None:
    tag = edited(
        samples.projecttag(), setting("spec.colour", "red"), setting("spec.tag.owner", "me")
    )
    stored = api_for("ProjectTag").create(tag)
    assert "colour" not in stored.object["spec"]
    assert "owner" not in stored.object["spec"]["tag"]
    assert sorted(stored.warnings) == [
        'unknown field "spec.colour"',
        'unknown field "spec.tag.owner"',
    ]


def test_defaults_are_applied_to_a_minimal_design() -> None:
    design = {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "InfraDesign",
        "metadata": {"name": "minimal"},
        "spec": {
            "request": "서울 리전에 웹서비스 인프라 구성해줘",
            "git": {"repository": "acme/infra"},
        },
    }
    spec = api_for("InfraDesign").create(design).object["spec"]
    assert spec["provider"] == {"name": "offline"}
    assert spec["git"] == {
        "repository": "acme/infra",
        "baseBranch": "main",
        "mode": "pullRequest",
        "onDelete": "Retain",
    }
    assert (spec["assumeDefaults"], spec["suspend"]) == (False, False)


def test_nested_defaults_fill_an_empty_object_and_secret_keys() -> None:
    monitor = edited(
        samples.monitortarget(), removing("spec.thresholds"), removing("spec.metrics[0].period")
    )
    spec = api_for("MonitorTarget").create(monitor).object["spec"]
    assert spec["thresholds"]["idleCpuPercent"] == 5
    assert spec["thresholds"]["queueBacklog"] == 1000
    assert spec["metrics"][0]["period"] == 300
    design = api_for("InfraDesign").create(samples.infradesign()).object["spec"]
    assert design["provider"]["secretRef"] == {"name": "llm", "key": "apiKey"}
    assert design["git"]["secretRef"] == {"name": "github-token", "key": "token"}


def test_null_in_a_defaulted_field_takes_the_default() -> None:
    tag = edited(samples.projecttag(), setting("spec.mode", None))
    assert api_for("ProjectTag").create(tag).object["spec"]["mode"] == "report"


def test_a_type_error_stops_cel_rules_from_running() -> None:
    monitor = edited(
        samples.monitortarget(),
        setting("spec.regions", "ap-northeast-2"),
        removing("spec.selector"),
    )
    with pytest.raises(Invalid) as rejection:
        api_for("MonitorTarget").create(monitor)
    assert rejection.value.paths == ["spec.regions", "<nil>"]
    assert "some validation rules were not checked" in str(rejection.value)


def test_whole_numbers_in_number_fields_compare_as_doubles_in_rules() -> None:
    monitor = edited(samples.monitortarget(), setting("spec.thresholds.idleCpuPercent", 19.5))
    monitor["spec"]["thresholds"]["overProvisionedCpuPercent"] = 20
    assert (
        api_for("MonitorTarget").create(monitor).object["spec"]["thresholds"]["idleCpuPercent"]
        == 19.5
    )


def test_length_limits_count_characters_not_bytes() -> None:
    request = "서" * 4000  # 12,000 bytes of UTF-8
    design = edited(samples.infradesign(), setting("spec.request", request))
    assert api_for("InfraDesign").create(design).object["spec"]["request"] == request


def test_appending_to_the_conversation_is_accepted_on_update() -> None:
    api = api_for("InfraDesign")
    old = api.create(samples.infradesign()).object
    new = edited(old)
    new["spec"]["conversation"].append({"type": "change", "text": "Add a CDN", "id": "m3"})
    assert len(api.update(old, new).object["spec"]["conversation"]) == 3


def test_removing_conversation_entries_is_rejected_on_update() -> None:
    api = api_for("InfraDesign")
    old = api.create(samples.infradesign()).object
    with pytest.raises(Invalid) as rejection:
        api.update(old, edited(old, setting("spec.conversation", old["spec"]["conversation"][:1])))
    assert rejection.value.paths == ["spec.conversation"]
    assert "append-only" in str(rejection.value)


def test_a_spec_update_keeps_the_stored_status() -> None:
    api = api_for("ProjectTag")
    old = api.update_status(
        api.create(samples.projecttag()).object, samples.projecttag_status()
    ).object
    new = edited(old, setting("spec.mode", "enforce"), setting("status.counts.matched", 999))
    stored = api.update(old, new).object
    assert stored["spec"]["mode"] == "enforce"
    assert stored["status"]["counts"]["matched"] == 10


def test_wrong_api_version_and_kind_are_rejected() -> None:
    design = edited(
        samples.infradesign(), setting("apiVersion", "autcloud.io/v1"), setting("kind", "Design")
    )
    with pytest.raises(Invalid) as rejection:
        api_for("InfraDesign").create(design)
    assert rejection.value.paths[:2] == ["apiVersion", "kind"]


def test_entries_without_an_id_sit_beside_entries_with_ids() -> None:
    # The unique-id rule reads a.id inside exists_one for entries that have none: in CEL the
    # error is absorbed by `!has(a.id) || ...`, as in the API server (cel_rules, logical_or).
    api = api_for("InfraDesign")
    old = api.create(edited(samples.infradesign(), removing("spec.conversation[0].id"))).object
    new = edited(old)
    new["spec"]["conversation"].append({"type": "change", "text": "Add a CDN", "id": "m3"})
    assert len(api.update(old, new).object["spec"]["conversation"]) == 3


def test_two_entries_with_one_id_are_rejected() -> None:
    design = edited(samples.infradesign(), setting("spec.conversation[1].id", "m1"))
    with pytest.raises(Invalid) as rejection:
        api_for("InfraDesign").create(design)
    assert rejection.value.paths == ["spec.conversation"]


def test_an_update_may_keep_a_value_that_no_longer_validates() -> None:
    # Ratcheting: an object stored before a rule existed takes status and spec updates that
    # leave the offending value alone, and is refused only when the update touches it.
    api = api_for("InfraDesign")
    stored = api.create(samples.infradesign()).object
    stored["spec"]["git"]["repository"] = "ext::sh -c true"  # as written before the rule
    status = api.update_status(stored, {"phase": "Failed"}).object
    assert status["status"] == {"phase": "Failed"}
    assert api.update(stored, edited(stored, setting("spec.suspend", True))).object["spec"][
        "suspend"
    ]
    with pytest.raises(Invalid) as rejection:
        api.update(stored, edited(stored, setting("spec.git.repository", "ext::sh -c false")))
    assert rejection.value.paths == ["spec.git.repository"]
