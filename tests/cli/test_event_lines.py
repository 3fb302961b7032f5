"""The line people read for each progress event (``autcloud design`` and ``autcloud watch``)."""

from __future__ import annotations

import pytest

from autcloud.commands import event_lines, watch
from autcloud.events import (
    CommitPushed,
    CostEstimated,
    Done,
    Error,
    Event,
    EventType,
    FixApplied,
    LevelStarted,
    MessageApplied,
    NodeFinished,
    NodeStarted,
    PlanReady,
    QuestionAsked,
    ResourceGenerated,
    UnknownEvent,
    ValidationStep,
    event_payload,
    event_type_name,
)

# One of each event a design's stream carries (token.delta goes over Pub/Sub, never a stream).
STREAMED: list[tuple[Event, str]] = [
    (NodeStarted(node="plan"), "▶ plan"),
    (NodeFinished(node="plan", duration_ms=1200), "✓[/] plan      [dim]1200 ms"),
    (PlanReady(resources=12, levels=3), "planned 12 resources in 3 dependency levels"),
    (LevelStarted(level=2, resources=4), "level 2: generating 4 resources in parallel"),
    (
        ResourceGenerated(address="aws_vpc.main", resource_type="aws_vpc", file="network.tf"),
        "aws_vpc.main  [dim]network.tf",
    ),
    (ValidationStep(step="checkov", passed=False, summary="2 findings"), "✗[/] checkov"),
    (FixApplied(iteration=1, applied=["a", "b"], unfixed=1), "repair pass 1: 2 fixed, 1 left"),
    (QuestionAsked(question_id="region", text="Which region?"), "Which region? [dim](region)"),
    (CostEstimated(monthly_usd=812.5, budget_usd=1000), "812.50 USD/month (budget 1,000)"),
    (
        CommitPushed(sha="0123456789abcdef", pull_request_url="https://git.example/pr/7"),
        "commit 0123456789ab https://git.example/pr/7",
    ),
    (MessageApplied(message_id="m-1"), "message m-1 joined the conversation"),
    (Error(reason="PushFailed", message="remote refused"), "PushFailed[/]: remote refused"),
    (Done(phase="Ready", ok=True, summary="Ready: 12 resources"), "done: Ready: 12 resources"),
]


def test_every_streamed_event_type_has_a_line_of_its_own() -> None:
    covered = {event.type for event, _ in STREAMED}
    assert covered == set(EventType) - {EventType.TOKEN_DELTA}
    for event, expected in STREAMED:
        line = event_lines.describe(event)
        assert expected in line, event.type
        assert not line.startswith("[dim]· "), event.type  # not the fallback for unknown types


@pytest.mark.parametrize(("event", "expected"), STREAMED, ids=[e.type.value for e, _ in STREAMED])
def test_watch_prints_the_line_design_prints(event: Event, expected: str) -> None:
    # As the gateway sends it over SSE: the entry's event name and its data object.
    assert watch.describe(event_type_name(event), event_payload(event)) == event_lines.describe(
        event
    )


def test_text_from_the_stream_cannot_inject_markup() -> None:
    line = event_lines.describe(Error(reason="[bold]X", message="[link=http://evil]y[/link]"))
    assert "\\[bold]X" in line and "\\[link=http://evil]y" in line


def test_a_newer_writers_event_and_a_broken_one_are_shown_not_fatal() -> None:
    assert event_lines.describe(UnknownEvent(type_name="plan.revised")) == "[dim]· plan.revised[/]"
    assert "older events were trimmed" in watch.describe("stream.truncated", {})
    broken = watch.describe("node.finished", {"node": "plan", "duration_ms": "soon"})
    assert broken.startswith("[yellow]! node.finished: ")
