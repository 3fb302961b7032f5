"""The spec as domain values, the input hash, and condition transitions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autcloud.events import CONVERSATION_TEXT_MAX_CHARS
from autcloud.operator.conditions import Condition, merge_conditions
from autcloud.operator.spec import (
    MAX_REQUEST_CHARS,
    InvalidSpecError,
    input_hash,
    parse_spec,
)
from tests.crds import samples
from tests.crds.manifests import api_for

REPO = Path(__file__).resolve().parents[2]

BASE = {"request": "A web API in Seoul", "git": {"repository": "acme/infra"}}


def test_the_git_folder_defaults_to_designs_and_the_object_name() -> None:
    design = parse_spec("orders", BASE)

    assert design.git is not None
    assert design.git.target.path == "designs/orders"
    assert (design.git.target.author_name, design.git.target.author_email) == (
        "AutCloud",
        "autcloud@localhost",
    )
    assert design.git.target.mode == "pullRequest"
    assert design.git.on_delete == "Retain"


def test_the_secret_key_defaults_to_token() -> None:
    spec = {**BASE, "git": {"repository": "acme/infra", "secretRef": {"name": "gh"}}}

    design = parse_spec("orders", spec)

    assert design.git is not None and design.git.secret is not None
    assert (design.git.secret.name, design.git.secret.key) == ("gh", "token")


def test_hints_become_the_design_engine_hints() -> None:
    spec = {
        **BASE,
        "hints": {
            "region": "ap-northeast-2",
            "availability": "high",
            "budget": {"amount": 900000, "currency": "KRW"},
        },
    }

    assert parse_spec("x", spec).hints == {
        "region": "ap-northeast-2",
        "availability": "high",
        "budget_amount": 900000.0,
        "budget_currency": "KRW",
    }


def test_an_answer_without_question_id_is_refused_naming_the_field() -> None:
    spec = {**BASE, "conversation": [{"type": "answer", "text": "Seoul"}]}

    with pytest.raises(InvalidSpecError, match=r"spec.conversation\[0\].questionId"):
        parse_spec("x", spec)


def test_a_blank_request_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidSpecError, match=r"spec\.request"):
        parse_spec("x", {"request": "   "})


def test_the_input_hash_ignores_fields_that_change_no_file() -> None:
    other = {
        **BASE,
        "git": {
            "repository": "acme/infra",
            "author": {"name": "Me", "email": "me@example.com"},
            "onDelete": "ClosePullRequest",
        },
        "suspend": True,
    }

    assert input_hash(other) == input_hash(BASE)


def test_the_input_hash_ignores_conversation_idempotency_keys() -> None:
    entry = {"type": "change", "text": "add Redis"}

    assert input_hash({**BASE, "conversation": [entry]}) == input_hash(
        {**BASE, "conversation": [{**entry, "id": "msg-1"}]}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"request": "A web API in Tokyo"},
        {"conversation": [{"type": "change", "text": "add Redis"}]},
        {"hints": {"region": "us-east-1"}},
        {"assumeDefaults": True},
        {"git": {"repository": "acme/infra", "path": "infra/web"}},
    ],
)
def test_the_input_hash_changes_with_what_shapes_the_output(change: dict[str, object]) -> None:
    assert input_hash({**BASE, **change}) != input_hash(BASE)


def test_a_condition_keeps_its_transition_time_while_its_status_holds() -> None:
    first = merge_conditions(
        None, [Condition("Ready", "False", "InProgress", "working")], generation=1, now="T1"
    )
    second = merge_conditions(
        first, [Condition("Ready", "False", "AwaitingAnswers", "asking")], generation=2, now="T2"
    )

    assert second[0]["lastTransitionTime"] == "T1"
    assert second[0]["reason"] == "AwaitingAnswers"
    assert second[0]["observedGeneration"] == 2


def test_a_condition_moves_its_transition_time_when_its_status_flips() -> None:
    first = merge_conditions(
        None, [Condition("Ready", "False", "InProgress", "working")], generation=1, now="T1"
    )
    second = merge_conditions(
        first, [Condition("Ready", "True", "Committed", "done")], generation=1, now="T2"
    )

    assert second[0]["lastTransitionTime"] == "T2"


def test_conditions_are_one_per_type_in_a_stable_order() -> None:
    merged = merge_conditions(
        [{"type": "Committed", "status": "Unknown", "reason": "Pending", "message": ""}],
        [
            Condition("Stalled", "False", "Ready", "ok"),
            Condition("Ready", "True", "Committed", "ok"),
            Condition("Committed", "True", "Pushed", "ok"),
        ],
        generation=1,
        now="T",
    )

    assert [c["type"] for c in merged] == ["Ready", "Stalled", "Committed"]


def test_a_request_over_the_cap_is_refused_naming_the_field_and_the_cap() -> None:
    with pytest.raises(InvalidSpecError) as refused:
        parse_spec("orders", {**BASE, "request": "x" * 48_000})

    assert "spec.request" in str(refused.value)
    assert "48,000 characters" in str(refused.value)
    assert "4,000" in str(refused.value)
    parse_spec("orders", {**BASE, "request": "서" * MAX_REQUEST_CHARS})  # the cap itself is fine


def test_a_conversation_text_over_the_cap_is_refused_naming_the_entry() -> None:
    long_change = {"type": "change", "text": "y" * (CONVERSATION_TEXT_MAX_CHARS + 1)}
    with pytest.raises(InvalidSpecError, match=r"spec\.conversation\[0\]\.text: 2,001"):
        parse_spec("orders", {**BASE, "conversation": [long_change]})


def test_the_operator_caps_are_the_crd_caps() -> None:
    crd = yaml.safe_load((REPO / "crds" / "autcloud.io_infradesigns.yaml").read_text())
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    text = spec["properties"]["conversation"]["items"]["properties"]["text"]

    assert spec["properties"]["request"]["maxLength"] == MAX_REQUEST_CHARS
    assert text["maxLength"] == CONVERSATION_TEXT_MAX_CHARS  # more: test_conversation_limits
    api = (REPO / "docs" / "api.md").read_text()
    assert f"string, 1–{MAX_REQUEST_CHARS} characters" in api


def test_a_condition_message_is_cut_to_what_the_crd_accepts() -> None:
    # A git or provider error can be any length; the CRD refuses the whole status past 32,768.
    long = Condition("Committed", "False", "GitPushFailed", "fatal: " + "x" * 40000)
    conditions = merge_conditions(None, [long], generation=1, now="2026-01-01T00:00:00Z")
    api = api_for("InfraDesign")
    stored = api.create(samples.infradesign()).object

    written = api.update_status(stored, {"conditions": conditions}).object["status"]

    message = written["conditions"][0]["message"]
    assert len(message) == 32768 and message.startswith("fatal: ") and message.endswith("…")
