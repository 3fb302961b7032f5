"""With --redis-url, a run's progress reaches the design's Redis stream (a real redis-server),
in the schema the gateway reads; without it, nothing needs Redis.

Someone following a design over the gateway must learn what ``kubectl get`` would tell them: the
questions, the commit, the error and a ``done`` whose summary says how the run ended."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from autcloud.agent.design import run_design
from autcloud.agent.graph import build_graph
from autcloud.events import (
    CommitPushed,
    CostEstimated,
    Done,
    Error,
    Event,
    NodeStarted,
    QuestionAsked,
    ResourceGenerated,
    events_key,
    from_fields,
)
from autcloud.gitsink import GitSinkError, publish
from autcloud.gitsink.policy import TargetPolicy
from autcloud.operator.event_sink import GatewayEventSink, NullEventSink
from autcloud.operator.reconcile import NODE_PHASES, Dependencies, DesignRef, reconcile
from tests.gateway.harness import RedisServer
from tests.gitsink.bare_remote import BareRemote
from tests.operator.fakes import RecordingPublisher, Secrets

pytestmark = pytest.mark.asyncio
REF = DesignRef("shop", "web", 1)
SPEC = {"request": "A containerised web API with PostgreSQL in Seoul"}


def dependencies(sink: object, publisher: Any = None) -> Dependencies:
    return Dependencies(
        designer=run_design,
        publisher=publisher or RecordingPublisher(),
        read_secret=Secrets(),
        diagram=False,
        events=sink,  # type: ignore[arg-type]
        git_policy=TargetPolicy(allow_local=True),
    )


async def stream_after(
    server: RedisServer, spec: dict[str, Any], publisher: Any = None
) -> list[Event]:
    """The events one reconcile left on the design's stream, read back from Redis."""
    sink = await GatewayEventSink.connect(server.url)
    try:
        await reconcile(REF, spec, {}, dependencies(sink, publisher))
    finally:
        await sink.aclose()
    redis = Redis.from_url(server.url)
    entries = await redis.xrange(events_key(REF.namespace, REF.name))
    await redis.aclose()
    return [from_fields(fields) for _, fields in entries]


def one(events: list[Event], kind: type[Event]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


async def test_a_runs_progress_reaches_the_designs_redis_stream(
    redis_server: RedisServer,
) -> None:
    sink = await GatewayEventSink.connect(redis_server.url)
    try:
        await reconcile(REF, SPEC, {}, dependencies(sink))
    finally:
        await sink.aclose()  # drains what is buffered

    redis = Redis.from_url(redis_server.url)
    entries = await redis.xrange(events_key("shop", "web"))
    await redis.aclose()
    events = [from_fields(fields) for _, fields in entries]
    names = [event.type.value for event in events]
    assert names[0] == "node.started"
    assert "validation.step" in names
    assert names[-1] == "done"
    assert getattr(events[-1], "phase", None) == "Ready"


async def test_without_redis_a_run_needs_no_event_sink() -> None:
    outcome = await reconcile(REF, SPEC, {}, dependencies(NullEventSink()))

    assert outcome.status["phase"] == "Ready"


async def test_a_design_that_asks_streams_each_question_and_a_done_that_names_them(
    redis_server: RedisServer,
) -> None:
    events = await stream_after(redis_server, {"request": "Build me a web service"})

    questions = one(events, QuestionAsked)
    assert questions, [type(e).__name__ for e in events]
    assert all(q.question_id and q.text for q in questions)
    done = events[-1]
    assert isinstance(done, Done) and done.phase == "NeedsInput" and done.ok
    for question in questions:
        assert question.question_id in done.summary


async def test_a_committed_design_streams_its_cost_commit_and_a_summary(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    remote = BareRemote(tmp_path / "remote.git")
    remote.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    spec = {**SPEC, "git": {"repository": remote.url, "mode": "push"}}

    events = await stream_after(redis_server, spec, publisher=publish)

    cost = one(events, CostEstimated)
    assert len(cost) == 1 and cost[0].monthly_usd > 0 and cost[0].breakdown
    commits = one(events, CommitPushed)
    assert [c.sha for c in commits] == [remote.head("main")]
    assert commits[0].branch == "main" and commits[0].url.endswith(commits[0].sha)
    done = events[-1]
    assert isinstance(done, Done) and done.phase == "Ready"
    assert done.commit == commits[0].sha and done.resources > 0
    assert done.monthly_usd == pytest.approx(cost[0].monthly_usd)
    assert f"{done.resources} resources" in done.summary
    assert commits[0].sha[:12] in done.summary
    assert "/month" in done.summary


async def test_a_failed_push_streams_an_error_with_its_reason_before_done(
    redis_server: RedisServer,
) -> None:
    failing = RecordingPublisher(GitSinkError("PushRejected", "the remote said no", retryable=True))
    spec = {**SPEC, "git": {"repository": "octo/infra", "mode": "push"}}

    events = await stream_after(redis_server, spec, publisher=failing)

    errors = one(events, Error)
    assert [(e.reason, e.retryable) for e in errors] == [("PushRejected", True)]
    assert "the remote said no" in errors[0].message
    done = events[-1]
    assert isinstance(done, Done) and done.phase == "Failed" and not done.ok
    assert "PushRejected" in done.summary


async def test_generated_resources_name_their_file_and_real_type(redis_server: RedisServer) -> None:
    events = await stream_after(
        redis_server, {"request": "A static website for shop.example.com in Seoul"}
    )

    generated = one(events, ResourceGenerated)
    assert generated
    for event in generated:
        assert event.file.endswith(".tf"), event
        assert event.resource_type.startswith("aws_") or event.resource_type in (
            "random_password",
            "random_id",
            "archive_file",
        ), event
        assert event.address.removeprefix("data.").startswith(event.resource_type + ".")


async def test_every_node_of_the_workflow_has_a_phase_and_every_phase_names_a_node() -> None:
    nodes = set(build_graph().get_graph().nodes) - {"__start__", "__end__"}

    assert set(NODE_PHASES) == nodes


async def test_the_phases_a_run_reports_follow_its_nodes(redis_server: RedisServer) -> None:
    events = await stream_after(redis_server, SPEC)

    started = [e.node for e in one(events, NodeStarted)]
    assert started[:3] == ["route", "gather", "plan"]
    assert {"combine", "validate"} <= set(started)
    assert all(node in NODE_PHASES for node in started)
