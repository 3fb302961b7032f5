"""The versioned event schema (autcloud.events): what crosses Redis."""

from __future__ import annotations

import json

import pytest

from autcloud.events import (
    EVENT_CLASSES,
    SCHEMA_VERSION,
    ChatRequest,
    CommitPushed,
    CostEstimated,
    Done,
    Error,
    EventSchemaError,
    FixApplied,
    LevelStarted,
    MessageApplied,
    NodeFinished,
    NodeStarted,
    PlanReady,
    QuestionAsked,
    ResourceGenerated,
    TokenDelta,
    UnknownEvent,
    ValidationStep,
    design_ref_problem,
    event_from_dict,
    events_key,
    from_fields,
    to_fields,
)

EXAMPLES = [
    NodeStarted(node="plan"),
    NodeFinished(node="plan", duration_ms=12.5, ok=False),
    PlanReady(resources=23, levels=5),
    LevelStarted(level=0, resources=4),
    FixApplied(iteration=1, applied=["aws_s3_bucket.logs: set x = y (CKV_1)"], unfixed=0),
    QuestionAsked(question_id="q1", text="Which region?", choices=["Seoul", "Tokyo"]),
    ResourceGenerated(address="aws_vpc.main", resource_type="aws_vpc", file="network.tf"),
    ValidationStep(step="terraform_validate", passed=True, findings=0, duration_ms=3000),
    CostEstimated(monthly_usd=512.4, budget_usd=800, breakdown={"rds": 300.0}),
    CommitPushed(sha="abc123", branch="main", pull_request_url="https://git.example/pr/1"),
    MessageApplied(message_id="m-1"),
    Error(reason="GitAuthFailed", message="The git token was refused.", retryable=False),
    Done(phase="Ready", ok=True, summary="Ready: 3 resources", resources=3, monthly_usd=1.5),
    TokenDelta(node="plan", text="Hel"),
]


def test_every_event_type_has_an_example() -> None:
    assert {type(e) for e in EXAMPLES} == set(EVENT_CLASSES.values())


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_an_event_survives_the_trip_through_stream_fields(event: object) -> None:
    assert from_fields(to_fields(event)) == event  # type: ignore[arg-type]


def test_data_carries_the_schema_version_and_a_utc_timestamp() -> None:
    data = json.loads(to_fields(NodeStarted(node="plan"))["data"])
    assert data["v"] == SCHEMA_VERSION
    assert data["ts"].endswith("Z")


def test_fields_from_redis_as_bytes_are_read_too() -> None:
    fields = {k.encode(): v.encode() for k, v in to_fields(Done(phase="Ready", ok=True)).items()}
    assert isinstance(from_fields(fields), Done)


def test_an_unknown_event_type_is_kept_not_refused() -> None:
    event = from_fields({"event": "plan.reviewed", "data": '{"v": 2, "by": "alice"}'})
    assert isinstance(event, UnknownEvent)
    assert event.type_name == "plan.reviewed" and event.data == {"by": "alice"}


def test_fields_a_reader_does_not_know_are_ignored() -> None:
    event = event_from_dict({"type": "node.started", "node": "plan", "gpu": "none"})
    assert event == NodeStarted(node="plan", ts=event.ts)


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(EventSchemaError, match=r"node\.finished: field 'duration_ms' is required"):
        event_from_dict({"type": "node.finished", "node": "plan"})


def test_a_field_of_the_wrong_type_is_named() -> None:
    with pytest.raises(EventSchemaError, match="field 'ok' must be bool"):
        event_from_dict({"type": "done", "phase": "Ready", "ok": "yes"})


def test_an_event_without_a_type_is_refused() -> None:
    with pytest.raises(EventSchemaError, match="'type'"):
        event_from_dict({"node": "plan"})


def test_the_stream_key_names_the_design() -> None:
    assert events_key("team", "shop") == "autcloud:events:team:shop"


def test_a_chat_request_survives_the_requests_stream() -> None:
    request = ChatRequest(namespace="team", name="shop", id="m1", text="서울 리전으로 해 주세요")
    assert ChatRequest.from_fields(request.to_fields()) == request


def test_a_chat_request_without_text_is_refused() -> None:
    with pytest.raises(EventSchemaError, match="'text'"):
        ChatRequest.from_fields({"namespace": "team", "name": "shop", "id": "m1"})


@pytest.mark.parametrize(
    ("namespace", "name", "problem"),
    [
        ("team", "shop", None),
        ("team", "shop.v2", None),
        ("Team", "shop", "namespace"),
        ("team", "-shop", "name"),
        ("team", "", "name"),
    ],
)
def test_design_references_follow_kubernetes_naming(
    namespace: str, name: str, problem: str | None
) -> None:
    found = design_ref_problem(namespace, name)
    assert (found.split()[0] if found else None) == problem
